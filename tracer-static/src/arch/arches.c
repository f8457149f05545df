/* The architectures of this build: the native one, then its compat (32-bit) one. */
#include "../syscalls.h"

#if defined(__x86_64__)
extern const struct arch arch_x86_64, arch_i386;
const struct arch *const arches[] = {&arch_x86_64, &arch_i386, 0};
#elif defined(__aarch64__)
extern const struct arch arch_aarch64;
const struct arch *const arches[] = {&arch_aarch64, 0};
#else
#error "sidebundle-trace: no syscall table for this architecture"
#endif
