// The library's version, as a string literal usable in other literals ("partnerkit/" PARTNERKIT_VERSION).
// Kept equal to project(VERSION) in the top-level CMakeLists.txt: transport's build checks it.
#pragma once

#ifndef PARTNERKIT_VERSION
#define PARTNERKIT_VERSION "0.1.0"
#endif
