// A small command-line parser for the `tessera` subcommands: declared options,
// generated --help, and one-line errors for unknown or malformed options.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tessera::cli {

class Args {
 public:
  Args(std::string command, std::string summary) : command_(std::move(command)), summary_(std::move(summary)) {}

  // Declares --name VALUE (or a --name flag when is_flag).
  Args& option(const std::string& name, const std::string& metavar, const std::string& help,
               std::optional<std::string> default_value = std::nullopt);
  Args& flag(const std::string& name, const std::string& help);
  Args& positional(const std::string& metavar, const std::string& help);  // zero or more

  // Parses argv; returns false when --help was asked for (help already printed).
  bool parse(int argc, char** argv);

  bool has(const std::string& name) const;
  std::string get(const std::string& name) const;  // throws if absent and without default
  int get_int(const std::string& name, int lo, int hi) const;
  std::vector<std::string> get_list(const std::string& name) const;  // comma separated
  bool flag_set(const std::string& name) const { return flags_set_.count(name) > 0; }
  const std::vector<std::string>& positionals() const { return positionals_; }
  std::string help() const;

 private:
  struct Opt {
    std::string metavar, help;
    std::optional<std::string> def;
    bool is_flag = false;
  };
  std::string command_, summary_;
  std::vector<std::string> order_;
  std::map<std::string, Opt> opts_;
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> flags_set_;
  std::string pos_metavar_, pos_help_;
  std::vector<std::string> positionals_;
};

}  // namespace tessera::cli
