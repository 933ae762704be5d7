#!/bin/sh
# Objects compiled for one ISA (x86/*__avx512.cpp, ...) must not run code at start-up:
# a static initializer there (e.g. a namespace-scope __m512i set by _mm512_setr_epi32)
# executes before dispatch reads cpuid and crashes CPUs without that ISA (SIGILL).
# Usage: isa_objects_have_no_initializers.sh OBJECT...
status=0
for obj in "$@"; do
  case "$obj" in *__avx*) ;; *) continue ;; esac
  if nm "$obj" | grep -q '_GLOBAL__sub_I'; then
    echo "$obj: has a static initializer, which runs ISA-specific code at start-up on every CPU" >&2
    status=1
  fi
done
exit $status
