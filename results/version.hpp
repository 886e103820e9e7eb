// Version and source commit of this build (the .cpp is written by cmake/version.cmake at build time).
#pragma once

namespace diffbound::version {
extern const char* const string;  ///< project version, e.g. "0.1.0"
extern const char* const commit;  ///< git commit of the sources, "+dirty" when they had changes; "unknown" outside git
}  // namespace diffbound::version
