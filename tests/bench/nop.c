// SPDX-License-Identifier: GPL-2.0
/* The program that `loadgen exec` starts: built static and dynamic. */
int main(void)
{
	return 0;
}
