# dbgkit: small Windows debugger tools, one per concept, for x86 and x64.
#
#   make        build every tool and target into build/x86/ and build/x64/
#   make NAME   build one tool or target (make softbp), for both
#   make demo   a learner's first five minutes, under Wine
#   make check  every test: C unit tests, tools on real targets, lessons
#   make soak   the adversarial targets, longer: a few minutes; not in check
#   make fuzz   fuzz the parsers natively with clang's libFuzzer, FUZZTIME
#               seconds each (default 60); not part of check
#   make stop   end every program running in dbgkit's Wine prefix (the
#               practice targets, and any tool still attached to one)
#   make clean  remove build/x86, build/x64 and build/fuzz (build/deps stays)
#
# Adding a tool or a target is one word in a list below.

TOOLS   = procs regs threads events softbp hwbp guardbp stepper bpcompare peb stack vmmap modules dump seh syscalls
TARGETS = printf_loop spin_threads known_regs counter crc_check calls tf_self race churn deep regions faults wedge lookup insns \
	  flags pages dr_self straddle
# Targets also built without frame pointers, as NAME-fpo.exe (-O2
# -fomit-frame-pointer); NAME.exe itself then keeps them (-O0).
FPO     = deep
LIB     = args bp cfi cpu dis emu err expr flags look mem out pdata pe session space stay sym target teb tool unwind
VERSION = 0.1

# ---- Platform: the one place where Linux+Wine and Windows/MSYS2 differ ----
ifeq ($(OS),Windows_NT)
# MSYS2 (see README): both mingw-w64 toolchains and MSYS2's capstone
# packages, pacman -S mingw-w64-{i686,x86_64}-{gcc,capstone} make perl.
CC.x86   = /mingw32/bin/gcc
CC.x64   = /mingw64/bin/gcc
AR.x86   = /mingw32/bin/ar
AR.x64   = /mingw64/bin/ar
DEPS.x86 = /mingw32
DEPS.x64 = /mingw64
RUN      =
NEED_SETUP =
else
# Debian/Ubuntu: cross compilers, Capstone cross-built into build/deps,
# and Wine with a private prefix inside build/.
CC.x86   = i686-w64-mingw32-gcc
CC.x64   = x86_64-w64-mingw32-gcc
AR.x86   = i686-w64-mingw32-ar
AR.x64   = x86_64-w64-mingw32-ar
DEPS.x86 = build/deps/x86
DEPS.x64 = build/deps/x64
RUN      = wine
export WINEPREFIX := $(CURDIR)/build/wineprefix
export WINEDEBUG := -all
export WINEDLLOVERRIDES := mscoree,mshtml=
NEED_SETUP := $(if $(and $(shell command -v $(CC.x86)),$(shell command -v $(CC.x64)),\
	$(shell command -v wine),$(shell command -v tmux),$(wildcard /usr/lib/wine/wine64),\
	$(wildcard /usr/lib/wine/wine),\
	$(wildcard $(DEPS.x86)/lib/libcapstone.a),$(wildcard $(DEPS.x64)/lib/libcapstone.a)),,setup)
endif
export RUN

ARCHS = x86 x64

.PHONY: all setup demo check soak bench fuzz stop clean arch

ifndef ARCH
# ---- Top level: set up what is missing, then build each arch ----
all: $(NEED_SETUP)
	@for a in $(ARCHS); do $(MAKE) --no-print-directory ARCH=$$a arch || exit 1; done

setup:
	sh scripts/setup.sh

# make softbp: one program, for both builds; what a lesson's exercise
# rebuilds, without relinking every other program against the library.
.PHONY: $(TOOLS) $(TARGETS)
$(TOOLS) $(TARGETS): $(NEED_SETUP)
	@for a in $(ARCHS); do \
	    $(MAKE) --no-print-directory ARCH=$$a build/$$a/$@.exe || exit 1; done

# The first start of a new Wine prefix takes a while; do it once, quietly.
build/wineprefix/.ready:
	@echo "wine: creating the prefix in build/wineprefix"
	@mkdir -p build
	@wineboot -i >build/wineboot.log 2>&1 && wineserver -w
	@touch $@

WINE_READY = $(if $(RUN),build/wineprefix/.ready)

demo: all $(WINE_READY)
	sh tests/demo.sh

# Rates measured in one run, and their ratios; no pass or fail.
bench: all $(WINE_READY)
	sh tests/bench.sh

# The suite ends the targets it starts; wineserver -k ends the rest of
# the prefix (its services) once it is done, pass or fail.  The failures
# and their diagnostics come again at the very end, where a CI log's
# tail shows them.
check: all $(WINE_READY)
	@rc=0; rm -f build/check-failures.log; \
	CHECK_LOG=$(CURDIR)/build/check-failures.log prove --timer \
	    --exec tests/run tests/*.t build/x86/unit.exe build/x64/unit.exe \
	    || rc=$$?; $(if $(RUN),wineserver -k;) \
	if [ -s build/check-failures.log ]; then \
		echo "--- the failures again (build/check-failures.log):"; \
		tail -n 40 build/check-failures.log; fi; exit $$rc

# The adversarial targets under every breakpoint tool, for minutes.
soak: all $(WINE_READY)
	@rc=0; SOAK=1 prove --exec tests/run tests/adversarial.t || rc=$$?; \
	    $(if $(RUN),wineserver -k;) exit $$rc

# The parsers in common/ are portable C: fuzzed on Linux, no Wine needed.
# A failure leaves its input in tests/fuzz/crashes/; see scripts/fuzz.sh.
fuzz:
	sh scripts/fuzz.sh

# Every lesson ends with it: what the lesson started stops here.
stop:
ifeq ($(OS),Windows_NT)
	@for p in $(TARGETS) $(FPO:%=%-fpo) $(TOOLS); do taskkill /F /IM $$p.exe >/dev/null 2>&1; done; \
	echo "stopped every practice target and tool"
else
	@wineserver -k 2>/dev/null; wineserver -w; \
	echo "stopped every program in build/wineprefix"
endif

clean:
	rm -rf build/x86 build/x64 build/fuzz

else
# ---- One architecture: make ARCH=x86 arch ----
O       = build/$(ARCH)
CC      = $(CC.$(ARCH))
AR      = $(AR.$(ARCH))
CFLAGS  = -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter \
	  -D_WIN32_WINNT=0x0601 -DDBGKIT_VERSION=\"$(VERSION)\" \
	  -Icommon -I$(DEPS.$(ARCH))/include
LDFLAGS = -static
LDLIBS  = -L$(DEPS.$(ARCH))/lib -lcapstone -ldbghelp -lpsapi -lntdll
HEADERS = $(wildcard common/*.h)

arch: $(TOOLS:%=$(O)/%.exe) $(TARGETS:%=$(O)/%.exe) $(FPO:%=$(O)/%-fpo.exe) \
	$(O)/unit.exe $(O)/inspect.exe $(O)/stepfloor.exe $(O)/emucheck.exe

$(O)/obj/%.o: common/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/libdbgkit.a: $(LIB:%=$(O)/obj/%.o)
	$(AR) rcs $@ $^

$(O)/%.exe: tools/%.c $(O)/libdbgkit.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libdbgkit.a $(LDLIBS)

# Targets stand alone: they are what a debugger is pointed at.
TCFLAGS = -std=gnu11 -g -Wall -Wextra -D_WIN32_WINNT=0x0601
TOPT    = -O1
$(FPO:%=$(O)/%.exe): TOPT = -O0 -fno-omit-frame-pointer
$(O)/%.exe: targets/%.c
	$(CC) $(TCFLAGS) $(TOPT) $(LDFLAGS) -Wl,--kill-at -o $@ $<
$(O)/%-fpo.exe: targets/%.c
	$(CC) $(TCFLAGS) -O2 -fomit-frame-pointer $(LDFLAGS) -Wl,--kill-at -o $@ $<

# The tests' inspector and the bench's floor share no code with what
# they inspect or measure.
$(O)/inspect.exe $(O)/stepfloor.exe: $(O)/%.exe: tests/%.c
	$(CC) -std=gnu11 -O1 -Wall $(LDFLAGS) -o $@ $<

$(O)/unit.exe: tests/unit/unit.c $(O)/libdbgkit.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libdbgkit.a $(LDLIBS)

# The emulation test's checker: common/emu.c against the CPU.
$(O)/emucheck.exe: tests/emucheck.c $(O)/libdbgkit.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libdbgkit.a $(LDLIBS)
endif
