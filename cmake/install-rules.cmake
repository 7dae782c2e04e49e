# Install and export: find_package(irqmatrix) gives irqmatrix::irqmatrix.
include(CMakePackageConfigHelpers)

set(IRQMATRIX_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/irqmatrix"
    CACHE STRING "Where the CMake package files are installed")

install(DIRECTORY include/ DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")
install(TARGETS irqmatrix EXPORT irqmatrixTargets)
if(TARGET irqmatrix-tool)
    install(TARGETS irqmatrix-tool RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
endif()

# The headers are the same on every architecture.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/irqmatrixConfigVersion.cmake"
    COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
configure_package_config_file(cmake/irqmatrixConfig.cmake.in
    "${PROJECT_BINARY_DIR}/irqmatrixConfig.cmake"
    INSTALL_DESTINATION "${IRQMATRIX_INSTALL_CMAKEDIR}")
install(FILES "${PROJECT_BINARY_DIR}/irqmatrixConfig.cmake"
              "${PROJECT_BINARY_DIR}/irqmatrixConfigVersion.cmake"
        DESTINATION "${IRQMATRIX_INSTALL_CMAKEDIR}")
install(EXPORT irqmatrixTargets NAMESPACE irqmatrix::
        DESTINATION "${IRQMATRIX_INSTALL_CMAKEDIR}")
install(FILES LICENSE DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/irqmatrix")
