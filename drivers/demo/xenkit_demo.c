// SPDX-License-Identifier: GPL-2.0
/*
 * xenkit_demo: the smallest kernel module that builds with kbuild against any kernel's headers.
 * It stands in for a vendor driver (scsi_dh_alua) in the tests and in `make run`: the pipeline
 * builds it into an RPM and checks the module's vermagic against the target kernel.
 */
#include <linux/init.h>
#include <linux/module.h>

static int __init xenkit_demo_init(void)
{
	pr_info("xenkit_demo: loaded\n");
	return 0;
}

static void __exit xenkit_demo_exit(void)
{
	pr_info("xenkit_demo: unloaded\n");
}

module_init(xenkit_demo_init);
module_exit(xenkit_demo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xenkit demo driver: a module that does nothing, built like a vendor driver");
MODULE_VERSION("1.0");
