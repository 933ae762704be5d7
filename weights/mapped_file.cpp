#include "weights/mapped_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tensor/error.h"

namespace tessera {

MappedFile::MappedFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  TESSERA_CHECK(fd >= 0, path, ": cannot open (", std::strerror(errno), ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    TESSERA_CHECK(false, path, ": not a regular file");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {  // mmap refuses length 0; an empty file is simply an empty view
    data_ = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    const int err = errno;
    ::close(fd);
    TESSERA_CHECK(data_ != MAP_FAILED, path, ": cannot map (", std::strerror(err), ")");
  } else {
    ::close(fd);
  }
}

MappedFile::~MappedFile() {
  if (data_ && data_ != MAP_FAILED) ::munmap(data_, size_);
}

}  // namespace tessera
