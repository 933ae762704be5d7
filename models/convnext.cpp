// Placeholder until the family lands: adds no models.
#include "models/families.h"

namespace tessera::models {

void add_convnext_models(std::vector<ModelInfo>&) {}

}  // namespace tessera::models
