// A profiling aid, not part of vswitch4j: the disassembler plugin HotSpot loads for -XX:+PrintAssembly (and so
// JMH's -prof perfasm), as a few lines over the capstone library. JDK builds ship without one.
//   benchmarks/tools/hsdis.sh      (installs libcapstone-dev if missing, builds /tmp/hsdis/hsdis-amd64.so)
//   LD_LIBRARY_PATH=/tmp/hsdis ./vsw bench L2Forward -p flows=4 -prof "perfasm:events=cpu-clock"
// (cpu-clock: the guest has no hardware counters; a software timer event works, with some skid.)
#include <inttypes.h>
#include <stdio.h>
#include <capstone/capstone.h>
typedef void* (*ev_t)(void*, const char*, void*);
typedef int (*pr_t)(void*, const char*, ...);
static void* noev(void* s, const char* e, void* a) { return NULL; }
void* decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char* buf, uintptr_t len,
    ev_t ev, void* evs, pr_t pr, void* prs, const char* opts, int newline) {
  csh h; cs_insn* in;
  if (!ev) ev = noev;
  if (!pr) { pr = (pr_t) fprintf; prs = stdout; }
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) return NULL;
  cs_option(h, CS_OPT_SKIPDATA, CS_OPT_ON);
  size_t n = cs_disasm(h, buf, len, (uint64_t) start_va, 0, &in);
  for (size_t j = 0; j < n; j++) {
    ev(evs, "insn", (void*) (uintptr_t) in[j].address);
    pr(prs, "%s\t%s", in[j].mnemonic, in[j].op_str);
    ev(evs, "/insn", (void*) (uintptr_t) (in[j].address + in[j].size));
    if (newline) pr(prs, "\n");
  }
  if (n) cs_free(in, n);
  cs_close(&h);
  return NULL;
}
