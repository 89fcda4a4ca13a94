#include "util/random.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

int pqtun_randombytes(uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r = getrandom(buf + done, len - done, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			memset(buf, 0, len);
			errno = saved;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}
