# SPDX-License-Identifier: GPL-2.0
# Teredo for Linux: the kernel module, the helper and the ip plugin.
#
#   make                 build everything (module against KDIR)
#   make install         install module (+depmod), ip plugin, teredod
#   make check           install dependencies, build, run all tests
#   make check-debug     the same selftests on the debug kernel (KASAN,
#                        lockdep, kmemleak...), built first if needed
#   make demo            install dependencies, build, run the main job
#                        (a Teredo network in a VM)
#   make demo-anycast    the same for an anycast relay fleet (BGP, BFD)
#                        and a failover
#   make KDIR=/path      build the module against other kernel headers

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= $(shell if [ -d /lib/modules/$(KERNELRELEASE)/build ]; then \
	    echo /lib/modules/$(KERNELRELEASE)/build; else \
	    dpkg-query -W -f='$${db:Status-Abbrev} /usr/src/$${Package}\n' \
	    'linux-headers-*-amd64' 2>/dev/null | awk '$$1 == "ii" {print $$2}' | \
	    sort -V | tail -n 1; fi)
KVER = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
PREFIX ?= /usr
IP_LIB_DIR ?= /usr/lib/x86_64-linux-gnu/ip
DESTDIR ?=

.PHONY: all deps module userspace install clean check check-debug demo \
	demo-anycast deb \
	checkpatch bench sparse

all: module userspace

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run scripts/install-deps.sh" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR) -a $(KVER) 2>/dev/null,-a $(KVER))
	$(MAKE) -C userspace install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) \
		IP_LIB_DIR=$(IP_LIB_DIR)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	rm -rf build

checkpatch sparse:
	scripts/static-checks.sh

deps:
	scripts/install-deps.sh

# the module's and teredod's objects on every CPU
JOBS := -j$(shell nproc)

check: deps
	$(MAKE) $(JOBS) all
	scripts/run-tests.sh

check-debug: deps
	$(MAKE) $(JOBS) all
	scripts/build-debug-kernel.sh
	scripts/run-tests.sh --debug

demo: deps
	$(MAKE) all
	scripts/demo.sh

demo-anycast: deps
	$(MAKE) all
	scripts/demo.sh anycast

print-kdir:
	@echo $(KDIR)

bench: deps
	$(MAKE) all
	bench/run.sh

# Debian packages teredo-dkms and teredod, moved from .. (where
# dpkg-buildpackage writes them) to build/deb (docs/PACKAGING.md)
DEB_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)
deb:
	dpkg-buildpackage -us -uc -b
	rm -rf build/deb && mkdir -p build/deb
	cd .. && mv teredo_$(DEB_VERSION)_*.buildinfo teredo_$(DEB_VERSION)_*.changes \
		teredo-dkms_$(DEB_VERSION)_all.deb teredod_$(DEB_VERSION)_*.deb \
		teredod-dbgsym_$(DEB_VERSION)_*.deb $(CURDIR)/build/deb/
