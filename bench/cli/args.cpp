#include "bench/cli/args.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "tensor/error.h"

namespace tessera::cli {

Args& Args::option(const std::string& name, const std::string& metavar, const std::string& help,
                   std::optional<std::string> default_value) {
  order_.push_back(name);
  opts_[name] = Opt{metavar, help, std::move(default_value), false};
  return *this;
}

Args& Args::flag(const std::string& name, const std::string& help) {
  order_.push_back(name);
  opts_[name] = Opt{"", help, std::nullopt, true};
  return *this;
}

Args& Args::positional(const std::string& metavar, const std::string& help) {
  pos_metavar_ = metavar;
  pos_help_ = help;
  return *this;
}

std::string Args::help() const {
  std::ostringstream os;
  os << "usage: tessera " << command_ << " [options]" << (pos_metavar_.empty() ? "" : " " + pos_metavar_ + "...")
     << "\n\n" << summary_ << "\n\noptions:\n";
  for (const auto& name : order_) {
    const Opt& o = opts_.at(name);
    std::string lhs = "  --" + name + (o.is_flag ? "" : " " + o.metavar);
    os << lhs << std::string(lhs.size() < 30 ? 30 - lhs.size() : 1, ' ') << o.help;
    if (o.def) os << " (default: " << *o.def << ")";
    os << "\n";
  }
  os << "  --help" << std::string(24, ' ') << "show this help\n";
  if (!pos_metavar_.empty()) os << "\n" << pos_metavar_ << ": " << pos_help_ << "\n";
  return os.str();
}

bool Args::parse(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(help().c_str(), stdout);
      return false;
    }
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      bool inline_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      auto it = opts_.find(name);
      TESSERA_CHECK(it != opts_.end(), "tessera ", command_, ": unknown option --", name, " (see --help)");
      if (it->second.is_flag) {
        TESSERA_CHECK(!inline_value, "tessera ", command_, ": --", name, " takes no value");
        flags_set_[name] = true;
        continue;
      }
      if (!inline_value) {
        TESSERA_CHECK(i + 1 < argc, "tessera ", command_, ": --", name, " needs a value (", it->second.metavar, ")");
        value = argv[++i];
      }
      values_[name] = value;
    } else {
      TESSERA_CHECK(!pos_metavar_.empty(), "tessera ", command_, ": unexpected argument '", a, "' (see --help)");
      positionals_.push_back(a);
    }
  }
  return true;
}

bool Args::has(const std::string& name) const { return values_.count(name) || (opts_.count(name) && opts_.at(name).def); }

std::string Args::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  auto o = opts_.find(name);
  TESSERA_CHECK(o != opts_.end() && o->second.def, "tessera ", command_, ": --", name, " is required");
  return *o->second.def;
}

int Args::get_int(const std::string& name, int lo, int hi) const {
  const std::string v = get(name);
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  TESSERA_CHECK(!v.empty() && *end == '\0' && n >= lo && n <= hi, "tessera ", command_, ": --", name, " ", v,
                ": expected a whole number from ", lo, " to ", hi);
  return static_cast<int>(n);
}

std::vector<std::string> Args::get_list(const std::string& name) const {
  std::vector<std::string> out;
  std::stringstream ss(get(name));
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  TESSERA_CHECK(!out.empty(), "tessera ", command_, ": --", name, " is empty");
  return out;
}

}  // namespace tessera::cli
