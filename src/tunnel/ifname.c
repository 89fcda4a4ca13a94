#include "tunnel/ifname.h"

#include <string.h>

int pqtun_ifname_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 15)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '=' || c == '+' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}
