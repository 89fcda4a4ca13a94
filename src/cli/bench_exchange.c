/* pqtun bench exchange: placeholder until the protocol load generator lands. */
#include "cli/commands.h"

int bench_exchange_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_failure("bench exchange", "not available in this build yet");
}
