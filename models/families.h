// Each model family adds its models to the zoo (models/registry.cpp calls these in order).
#pragma once
#include <vector>

#include "models/registry.h"

namespace tessera::models {

void add_resnet_models(std::vector<ModelInfo>& zoo);     // models/resnet.cpp
void add_vgg_models(std::vector<ModelInfo>& zoo);        // models/vgg.cpp
void add_mobilenet_models(std::vector<ModelInfo>& zoo);  // models/mobilenet.cpp
void add_densenet_models(std::vector<ModelInfo>& zoo);   // models/densenet.cpp
void add_googlenet_models(std::vector<ModelInfo>& zoo);  // models/googlenet.cpp
void add_vit_models(std::vector<ModelInfo>& zoo);        // models/vit.cpp
void add_swin_models(std::vector<ModelInfo>& zoo);       // models/swin.cpp
void add_convnext_models(std::vector<ModelInfo>& zoo);   // models/convnext.cpp

}  // namespace tessera::models
