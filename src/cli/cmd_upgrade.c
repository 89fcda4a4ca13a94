/* pqtun upgrade: placeholder until its issue lands; says so plainly. */
#include "cli/commands.h"

void usage_upgrade(FILE *out)
{
	fprintf(out, "Usage: pqtun upgrade ...\n(not available in this build yet)\n");
}

int cmd_upgrade(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_failure("upgrade", "not available in this build yet");
}
