// The partnerkit release: the one place its version is written. The top-level CMakeLists.txt reads
// project(VERSION) from these three lines; PARTNERKIT_VERSION is a string literal usable in other
// literals ("partnerkit/" PARTNERKIT_VERSION). A plugin must be built with the host's major.minor.
#pragma once

#define PARTNERKIT_VERSION_MAJOR 0
#define PARTNERKIT_VERSION_MINOR 1
#define PARTNERKIT_VERSION_PATCH 0

#define PARTNERKIT_VERSION_STR2(x) #x
#define PARTNERKIT_VERSION_STR(x) PARTNERKIT_VERSION_STR2(x)
#define PARTNERKIT_VERSION                         \
  PARTNERKIT_VERSION_STR(PARTNERKIT_VERSION_MAJOR) \
  "." PARTNERKIT_VERSION_STR(PARTNERKIT_VERSION_MINOR) "." PARTNERKIT_VERSION_STR(PARTNERKIT_VERSION_PATCH)

namespace partnerkit {

inline constexpr int version_major = PARTNERKIT_VERSION_MAJOR;
inline constexpr int version_minor = PARTNERKIT_VERSION_MINOR;
inline constexpr int version_patch = PARTNERKIT_VERSION_PATCH;

}  // namespace partnerkit
