// SPDX-License-Identifier: MIT
// The one source of the library version; CMake reads these lines with a regex.
#pragma once

#define IRQMATRIX_VERSION_MAJOR 0
#define IRQMATRIX_VERSION_MINOR 1
#define IRQMATRIX_VERSION_PATCH 0
#define IRQMATRIX_VERSION_STRING "0.1.0"

// Everything lives in irqmatrix::v1 (an inline namespace), so two simulators
// linked against different major versions cannot silently violate the ODR.
#define IRQMATRIX_BEGIN_NAMESPACE \
    namespace irqmatrix {         \
    inline namespace v1 {
#define IRQMATRIX_END_NAMESPACE \
    }                           \
    }
