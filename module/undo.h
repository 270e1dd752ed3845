/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Undo of spurious retransmissions (undo.c): what recovery.c asks when an
 * ACK arrives in Recovery or Loss, or a retransmission or D-SACK is seen.
 *
 * Context: the socket lock held, as for every field of the TCB.
 */
#ifndef _KTCP_UNDO_H
#define _KTCP_UNDO_H

#include "ktcp.h"
#include "recovery.h"

void ktcp_undo_init(struct ktcp_sock *ks);
void ktcp_undo_retransmitted(struct ktcp_sock *ks);
void ktcp_undo_dsack(struct ktcp_sock *ks, u32 end_seq, u32 dups);
bool ktcp_undo_any_retrans(struct sock *sk);
bool ktcp_undo_packet_delayed(const struct sock *sk);
bool ktcp_undo_recovery(struct sock *sk);
bool ktcp_undo_try_dsack(struct sock *sk);
bool ktcp_undo_partial(struct sock *sk);
void ktcp_undo_process_loss(struct sock *sk, u32 flag, bool dup);
void ktcp_undo_enter_loss(struct sock *sk, bool reduce, bool new_recovery);

#endif /* _KTCP_UNDO_H */
