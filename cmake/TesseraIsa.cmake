# Per-file instruction-set flags: only the files of one ISA get that ISA's flags,
# so the rest of the binary runs on any x86-64 and dispatch picks at run time.
set(TESSERA_ISA_FLAGS_avx2 -mavx2 -mfma -mf16c)
set(TESSERA_ISA_FLAGS_avx512 -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512dq -mavx512vl)
set(TESSERA_ISA_FLAGS_avx512vnni ${TESSERA_ISA_FLAGS_avx512} -mavx512vnni)
# GCC 12's AVX-512 intrinsics pass _mm512_undefined_ps() as the unused merge source and
# then warn that it is uninitialised (GCC bug 105593, fixed in 13): silence that there only.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  foreach(isa avx512 avx512vnni)
    list(APPEND TESSERA_ISA_FLAGS_${isa} -Wno-uninitialized -Wno-maybe-uninitialized)
  endforeach()
endif()

# tessera_isa_sources(<target> <isa> <file>...)
function(tessera_isa_sources target isa)
  target_sources(${target} PRIVATE ${ARGN})
  set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target}
                              PROPERTIES COMPILE_OPTIONS "${TESSERA_ISA_FLAGS_${isa}}")
endfunction()
