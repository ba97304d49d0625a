// SPDX-License-Identifier: GPL-2.0
/*
 * Teredo (RFC 4380, 5991, 6081): IPv6 over UDP/IPv4 through NATs.
 *
 * Module entry points and the per-namespace bookkeeping: a device's socket
 * lives in the namespace the device was created in (its underlay), which may
 * differ from the one the device lives in. When the underlay dies, its
 * devices go with it.
 */
#include <linux/module.h>
#include <net/netns/generic.h>

#include "teredo.h"

unsigned int teredo_net_id __read_mostly;

static int __net_init teredo_net_init(struct net *net)
{
	struct teredo_net *tn = net_generic(net, teredo_net_id);

	INIT_LIST_HEAD(&tn->devs);
	return 0;
}

static void teredo_destroy_devs(struct net *net, struct list_head *kill)
{
	struct teredo_net *tn = net_generic(net, teredo_net_id);
	struct teredo_dev *td, *next;

	list_for_each_entry_safe(td, next, &tn->devs, list)
		teredo_link_ops.dellink(td->dev, kill);
}

#ifdef TEREDO_PERNET_EXIT_RTNL
static void __net_exit teredo_net_exit_rtnl(struct net *net,
					    struct list_head *kill)
{
	teredo_destroy_devs(net, kill);
}
#else
static void __net_exit teredo_net_exit_batch_rtnl(struct list_head *nets,
						  struct list_head *kill)
{
	struct net *net;

	list_for_each_entry(net, nets, exit_list)
		teredo_destroy_devs(net, kill);
}
#endif

static struct pernet_operations teredo_net_ops = {
	.init		= teredo_net_init,
#ifdef TEREDO_PERNET_EXIT_RTNL
	.exit_rtnl	= teredo_net_exit_rtnl,
#else
	.exit_batch_rtnl = teredo_net_exit_batch_rtnl,
#endif
	.id		= &teredo_net_id,
	.size		= sizeof(struct teredo_net),
};

static int __init teredo_init(void)
{
	int err;

	err = teredo_peer_cache_init();
	if (err)
		return err;
	err = register_pernet_device(&teredo_net_ops);
	if (err)
		goto err_cache;
	/* before the first device can take an uplink */
	err = teredo_fastpath_init();
	if (err)
		goto err_pernet;
	err = teredo_local_init();
	if (err)
		goto err_fastpath;
	err = rtnl_link_register(&teredo_link_ops);
	if (err)
		goto err_local;
	err = teredo_genl_init();
	if (err)
		goto err_link;
	return 0;

err_link:
	rtnl_link_unregister(&teredo_link_ops);
err_local:
	teredo_local_exit();
err_fastpath:
	teredo_fastpath_exit();
err_pernet:
	unregister_pernet_device(&teredo_net_ops);
err_cache:
	teredo_peer_cache_exit();
	return err;
}

static void __exit teredo_exit(void)
{
	teredo_genl_exit();
	rtnl_link_unregister(&teredo_link_ops);
	teredo_local_exit();
	teredo_fastpath_exit();
	unregister_pernet_device(&teredo_net_ops);
	teredo_peer_cache_exit();
}

module_init(teredo_init);
module_exit(teredo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Teredo: IPv6 over UDP/IPv4 through NATs (RFC 4380)");
MODULE_VERSION(TEREDO_VERSION);
MODULE_ALIAS_RTNL_LINK("teredo");
MODULE_ALIAS_GENL_FAMILY(TEREDO_GENL_NAME);
