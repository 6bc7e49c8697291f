/*
 * spin_threads: start N named worker threads that sleep in a loop.
 *
 *   spin_threads [N]          (default 4)
 *
 * First line: pid=N threads=N tids=ID,ID,...  Each worker is named
 * "worker-K" with SetThreadDescription where Windows has it.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

typedef HRESULT (WINAPI *setdesc_fn)(HANDLE, PCWSTR);

static DWORD WINAPI __attribute__((noreturn))
worker(void *arg)
{
	(void)arg;
	for (;;)
		Sleep(1000);
}

int
main(int argc, char *argv[])
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 4, i;
	setdesc_fn setdesc;
	DWORD *tids;
	HANDLE h;
	WCHAR name[32];

	if (n == 0 || n > 4096 || (tids = calloc(n, sizeof(*tids))) == NULL) {
		fprintf(stderr, "usage: spin_threads [1..4096]\n");
		return 2;
	}
	/* Windows 10 1607 and later; look it up so older systems still run. */
	setdesc = (setdesc_fn)(void *)GetProcAddress(
	    GetModuleHandleA("kernel32.dll"), "SetThreadDescription");
	for (i = 0; i < n; i++) {
		h = CreateThread(NULL, 64 * 1024, worker, NULL,
		    STACK_SIZE_PARAM_IS_A_RESERVATION, &tids[i]);
		if (h == NULL)
			return 1;
		if (setdesc != NULL) {
			swprintf(name, sizeof(name) / sizeof(name[0]),
			    L"worker-%lu", i + 1);
			setdesc(h, name);
		}
		CloseHandle(h);
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu threads=%lu tids=", GetCurrentProcessId(), n);
	for (i = 0; i < n; i++)
		printf("%s%lu", i > 0 ? "," : "", tids[i]);
	printf("\n");
	for (;;)
		Sleep(1000);
}
