// SPDX-License-Identifier: GPL-2.0
/*
 * Memory accounting shared by every ktcp socket, as Linux's TCP keeps it
 * (tcp_memory_allocated, tcp_sockets_allocated, tcp_memory_pressure and
 * net.ipv4.tcp_mem): ktcp_prot points at these, and the core's
 * __sk_mem_schedule() and __sk_mem_reclaim() do the work, memcg charging
 * included (sk_alloc()'s mem_cgroup_sk_alloc()).
 *
 * Each socket holds a forward allocation (sk_forward_alloc), whole pages
 * taken from ktcp_memory_allocated before it charges an skb to its write
 * queue (sk_wmem_schedule()) or its receive queues (sk_rmem_schedule()),
 * and given back as skbs go (sk_mem_uncharge()). Every
 * sk_wmem_queued_add() goes with sk_mem_charge() or sk_mem_uncharge() of
 * the same amount (ktcp_mem_wqueue_add() and ktcp_mem_wqueue_free());
 * skb_set_owner_r() and sock_rfree() do the same for received skbs.
 *
 * net.ktcp.mem (pages: low, pressure, high, as tcp_mem): above pressure
 * ktcp is under memory pressure until it falls below low; above high a
 * socket is refused more than its minimum (tcp_wmem[0], tcp_rmem[0]).
 *
 * Locking: sk_forward_alloc is the socket's, under its lock; the totals
 * are atomics (and the core's per-CPU reserve, net.core.mem_pcpu_rsv).
 */

#include <linux/percpu_counter.h>
#include <linux/swap.h>
#include <net/proto_memory.h>

#include "ktcp.h"

atomic_long_t ktcp_memory_allocated ____cacheline_aligned_in_smp;
DEFINE_PER_CPU(int, ktcp_memory_per_cpu_fw_alloc);
struct percpu_counter ktcp_sockets_allocated ____cacheline_aligned_in_smp;
unsigned long ktcp_memory_pressure __read_mostly;
long ktcp_sysctl_mem[3] __read_mostly;

/* tcp_enter_memory_pressure(): the time it began, for the Chrono counter. */
void ktcp_mem_enter_pressure(struct sock *sk)
{
	unsigned long val;

	if (READ_ONCE(ktcp_memory_pressure))
		return;
	val = jiffies;
	if (!val)
		val--;
	if (!cmpxchg(&ktcp_memory_pressure, 0, val))
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPMEMORYPRESSURES);
}

/* tcp_leave_memory_pressure(): how long it lasted, in ms. */
void ktcp_mem_leave_pressure(struct sock *sk)
{
	unsigned long val;

	if (!READ_ONCE(ktcp_memory_pressure))
		return;
	val = xchg(&ktcp_memory_pressure, 0);
	if (val)
		KTCP_ADD_STATS(sock_net(sk), KTCP_MIB_TCPMEMORYPRESSURESCHRONO,
			       jiffies_to_msecs(jiffies - val));
}

/*
 * @size more bytes on @sk's write queue, or off it if negative: both
 * sk_wmem_queued and the forward allocation (tcp_skb_entail(),
 * tcp_fragment()).
 */
void ktcp_mem_wqueue_add(struct sock *sk, int size)
{
	sk_wmem_queued_add(sk, size);
	if (size >= 0)
		sk_mem_charge(sk, size);
	else
		sk_mem_uncharge(sk, -size);
}

/* Free @skb, off the write queue already (tcp_wmem_free_skb()). */
void ktcp_mem_wqueue_free(struct sock *sk, struct sk_buff *skb)
{
	ktcp_mem_wqueue_add(sk, -(int)ktcp_skb_charge(skb));
	__kfree_skb(skb);
}

/*
 * sk_forced_mem_schedule(): @size bytes @sk must queue whatever the limits
 * (a SYN, a FIN, the second part of a split skb). Linux charges the
 * memcg with __GFP_NOFAIL, which a module cannot (mem_cgroup_charge_skmem()
 * is not exported): with a memcg the normal schedule is tried, and if
 * refused the charge runs ahead of the forward allocation until the next
 * schedule, which asks for the difference.
 */
void ktcp_mem_force(struct sock *sk, int size)
{
	int delta = size - sk->sk_forward_alloc, amt;

	if (delta <= 0 || !sk_has_account(sk))
		return;
	if (mem_cgroup_sk_enabled(sk)) {
		__sk_mem_schedule(sk, delta, SK_MEM_RECV);
		return;
	}
	amt = sk_mem_pages(delta);
	sk_forward_alloc_add(sk, amt << PAGE_SHIFT);
	sk_memory_allocated_add(sk, amt);
}

/*
 * tcp_out_of_memory(): over the hard limit, a socket holding more than
 * the minimum send buffer is one to kill (tcp_check_oom()).
 */
bool ktcp_mem_out_of_memory(const struct sock *sk)
{
	return sk->sk_wmem_queued > SOCK_MIN_SNDBUF &&
	       sk_memory_allocated(sk) > sk_prot_mem_limits(sk, 2);
}

/*
 * Pages allocated, exactly: the total and what each CPU holds back of it
 * (the core's per-CPU reserve), which Linux's sockstat leaves out.
 */
long ktcp_mem_pages(void)
{
	long pages = atomic_long_read(&ktcp_memory_allocated);
	int cpu;

	for_each_possible_cpu(cpu)
		pages += *per_cpu_ptr(&ktcp_memory_per_cpu_fw_alloc, cpu);
	return pages;
}

/* tcp_init_mem(): 4.68%, 6.25% and 9.37% of the free buffer pages. */
int ktcp_mem_init(void)
{
	unsigned long limit = max(nr_free_buffer_pages() / 16, 128UL);

	ktcp_sysctl_mem[0] = limit / 4 * 3;
	ktcp_sysctl_mem[1] = limit;
	ktcp_sysctl_mem[2] = ktcp_sysctl_mem[0] * 2;
	return percpu_counter_init(&ktcp_sockets_allocated, 0, GFP_KERNEL);
}

/* After the last socket is freed (rcu_barrier()): all given back. */
void ktcp_mem_exit(void)
{
	long pages = ktcp_mem_pages();

	WARN_ONCE(pages, "ktcp: %ld pages still allocated\n", pages);
	WARN_ON_ONCE(percpu_counter_sum(&ktcp_sockets_allocated));
	percpu_counter_destroy(&ktcp_sockets_allocated);
}
