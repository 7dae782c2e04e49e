# Install and export: find_package(irqmatrix) gives irqmatrix::irqmatrix, and
# with the C interface built also irqmatrix::c (shared) and irqmatrix::c_static;
# C users without CMake get irqmatrix.pc for pkg-config.
include(CMakePackageConfigHelpers)

set(IRQMATRIX_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/irqmatrix"
    CACHE STRING "Where the CMake package files are installed")

if(TARGET irqmatrix_c_shared)
    set(_irqm_c_header "")
else()
    set(_irqm_c_header PATTERN "irqmatrix.h" EXCLUDE)  # no library to go with it
endif()
install(DIRECTORY include/ DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h" ${_irqm_c_header})
install(TARGETS irqmatrix EXPORT irqmatrixTargets)
if(TARGET irqmatrix-tool)
    install(TARGETS irqmatrix-tool RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
endif()

if(TARGET irqmatrix_c_shared)
    install(TARGETS irqmatrix_c_shared irqmatrix_c_static EXPORT irqmatrixTargets
            ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
            LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
            RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
    # irqmatrix.pc finds its prefix from its own place (${pcfiledir}), so a
    # relocated or staged install works; absolute install dirs stay as given.
    set(_irqm_pcdir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
    if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
        set(IRQMATRIX_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
        set(IRQMATRIX_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
    else()
        string(REGEX REPLACE "[^/]+" ".." _irqm_up "${_irqm_pcdir}")
        set(IRQMATRIX_PC_PREFIX "\${pcfiledir}/${_irqm_up}")
        set(IRQMATRIX_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
    endif()
    if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
        set(IRQMATRIX_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
    else()
        set(IRQMATRIX_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
    endif()
    configure_file(cmake/irqmatrix.pc.in "${PROJECT_BINARY_DIR}/irqmatrix.pc" @ONLY)
    install(FILES "${PROJECT_BINARY_DIR}/irqmatrix.pc" DESTINATION "${_irqm_pcdir}")
    set(_irqm_arch "")  # a compiled library is for one architecture
else()
    set(_irqm_arch ARCH_INDEPENDENT)  # the headers are the same on every one
endif()

write_basic_package_version_file("${PROJECT_BINARY_DIR}/irqmatrixConfigVersion.cmake"
    COMPATIBILITY SameMajorVersion ${_irqm_arch})
configure_package_config_file(cmake/irqmatrixConfig.cmake.in
    "${PROJECT_BINARY_DIR}/irqmatrixConfig.cmake"
    INSTALL_DESTINATION "${IRQMATRIX_INSTALL_CMAKEDIR}")
install(FILES "${PROJECT_BINARY_DIR}/irqmatrixConfig.cmake"
              "${PROJECT_BINARY_DIR}/irqmatrixConfigVersion.cmake"
        DESTINATION "${IRQMATRIX_INSTALL_CMAKEDIR}")
install(EXPORT irqmatrixTargets NAMESPACE irqmatrix::
        DESTINATION "${IRQMATRIX_INSTALL_CMAKEDIR}")
install(FILES LICENSE DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/irqmatrix")
