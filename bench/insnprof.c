// SPDX-License-Identifier: GPL-2.0
/*
 * insnprof: an exact instruction profile of a TCG guest, as a QEMU TCG
 * plugin (plugin API version 1, QEMU 7.2). Every translated block gets an
 * inline execution counter; executions times instructions per block, summed
 * per start address, is where the guest's instructions went. Under
 * -icount that is also where its (virtual) time went, without the aliasing
 * of a periodic sampler against a deterministic packet loop.
 *
 * A window opens when the guest executes the block at the address "start"
 * (bench/profile.sh: __x64_sys_setdomainname, the guest runs `domainname`),
 * which clears the counters, and closes at the block "stop"
 * (__x64_sys_sethostname, `hostname`), which writes the window's
 * "start_address instructions executions" lines to OUT.N (N = 1, 2, ...).
 * A stop without a start (the guest's init names the host) is ignored.
 *
 *   qemu-system-x86_64 ... -plugin bench/insnprof.so,start=0x...,stop=0x...,out=PATH
 *
 * Build: cc -O2 -shared -fPIC -o insnprof.so insnprof.c (no QEMU headers
 * needed: the few declarations of the stable plugin ABI are below).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* QEMU plugin ABI, version 1 (include/qemu/qemu-plugin.h of QEMU 7.2) */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum { PLUGIN_CB_NO_REGS = 0 };
enum { PLUGIN_INLINE_ADD_U64 = 0 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb)(unsigned int vcpu, void *udata);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *udata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  vcpu_udata_cb cb, int flags,
					  void *udata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      int op, void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb,
				    void *udata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

struct block {
	uint64_t count;		/* first: the inline add's target */
	uint64_t vaddr;
	uint32_t insns;
	struct block *next;
};

static struct block *blocks;
static uint64_t start, stop;
static const char *out = "insnprof";
static unsigned int windows;
static bool open_window;

static void clear(void)
{
	struct block *b;

	for (b = blocks; b; b = b->next)
		b->count = 0;
}

static void dump(void)
{
	char path[4096];
	struct block *b;
	FILE *f;

	snprintf(path, sizeof(path), "%s.%u", out, ++windows);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return;
	}
	for (b = blocks; b; b = b->next)
		if (b->count)
			fprintf(f, "%" PRIx64 " %u %" PRIu64 "\n",
				b->vaddr, b->insns, b->count);
	fclose(f);
}

static uint64_t executed(void)
{
	uint64_t sum = 0;
	struct block *b;

	for (b = blocks; b; b = b->next)
		sum += b->count * b->insns;
	return sum;
}

static void on_start(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	clear();
	open_window = true;
}

static void on_stop(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	if (!open_window)
		return;
	fprintf(stderr, "insnprof: window %u: %" PRIu64 " instructions\n",
		windows + 1, executed());
	dump();
	open_window = false;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = calloc(1, sizeof(*b));

	(void)id;
	if (!b)
		return;
	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->insns = qemu_plugin_tb_n_insns(tb);
	b->next = blocks;
	blocks = b;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, PLUGIN_INLINE_ADD_U64,
						 &b->count, 1);
	if (b->vaddr == start)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_start,
						     PLUGIN_CB_NO_REGS, NULL);
	if (b->vaddr == stop)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_stop,
						     PLUGIN_CB_NO_REGS, NULL);
}

static void on_atexit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	if (open_window)
		dump();
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "start=", 6))
			start = strtoull(argv[i] + 6, NULL, 0);
		else if (!strncmp(argv[i], "stop=", 5))
			stop = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
		else {
			fprintf(stderr, "insnprof: unknown argument %s\n",
				argv[i]);
			return -1;
		}
	}
	if (!start || !stop) {
		fprintf(stderr, "insnprof: start=ADDRESS and stop=ADDRESS are required\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
	return 0;
}
