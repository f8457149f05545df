/* hop FILE [NEXT ARG...]: opens FILE, then execs NEXT (built 64- and 32-bit, to hop between them). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: hop FILE [NEXT ARG...]\n", stderr);
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	if (fd >= 0)
		close(fd);
	if (argc > 2) {
		execv(argv[2], argv + 2);
		perror(argv[2]);
		return 127;
	}
	return 0;
}
