// The one instantiation of the results schema's templates for each scalar kind (checks/dispatch.hpp).
#include <diffbound/checks/dispatch.hpp>

namespace diffbound::results {
DIFFBOUND_RESULT_TEMPLATES(double, )
DIFFBOUND_RESULT_TEMPLATES(diffbound::mpfr_real, )
DIFFBOUND_RESULT_TEMPLATES(diffbound::mpfi_real, )
}  // namespace diffbound::results
