package org.vswitch4j.core.bridge;

import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/**
 * The 802.1Q semantics of the NORMAL bridge: which VLAN a received frame belongs to, and how it leaves each
 * port. The table is in {@link Bridge}'s documentation; this class is its code.
 *
 * <p>Model. Inside the bridge a frame belongs to one VLAN. Its <em>bridge tag</em> is the tag that carries that
 * VLAN on the wire: the outer tag of a frame received tagged on a trunk or native port, a priority tag received
 * on an access or native port, or none (untagged frames, and every frame received on a dot1q-tunnel port, whose
 * own tags are payload). Egress computes the bridge tag the output port wants (none, or TPID + VID with the
 * frame's PCP/DEI) and the actions that turn the current bridge tag into it: nothing, a pop, a push, or a pop
 * then a push. Customer tags below the bridge tag are never touched.
 *
 * <p>Masks. Ingress un-wildcards the TPID and VID of the outer tag it reads (and of the inner tag only where it
 * checks that there is none); PCP and DEI are un-wildcarded only by egress treatments that copy them into a new
 * tag or decide on them (priority tags). Where the bridge checks that an untagged frame's eth_type is not a
 * TPID (a tag cut off mid-tag), it un-wildcards only the one or two bits of eth_type that prove it.
 *
 * <p>Thread-safety: an instance holds the scratch state of one translation; the bridge uses it under the
 * datapath's slow-path lock.
 */
final class VlanRules {
    static final int TPID_8021Q = BridgePortConfig.TPID_8021Q;
    static final int TPID_8021AD = BridgePortConfig.TPID_8021AD;
    /** "No bridge tag" in {@link #current} and in the values {@link #want} returns. */
    static final int NONE = -1;

    // ---- result of ingress, read by egress ----
    /** The VLAN the frame belongs to. */
    int vlan;
    /** The bridge tag on the wire now, as tpid&lt;&lt;16|vid, or NONE. */
    int current;
    /** PCP and DEI of the bridge tag (tci &amp; 0xf000), 0 when there is none. */
    int priority;
    /** The TPID a tagged egress uses (the received one, or the dot1q-tunnel port's QinQ ethertype). */
    int tagTpid;
    /** Whether egress read the frame's PCP/DEI (so the mask must include them). */
    boolean priorityUsed;

    /**
     * Classifies a frame received on a port configured {@code cfg}. Returns true and sets the fields when
     * the frame belongs to a VLAN, false when the port's VLAN mode drops it. Un-wildcards what it reads.
     */
    boolean ingress(BridgePortConfig cfg, FlowKey key, FlowMask mask) {
        priorityUsed = false;
        int v0 = key.vlan0();
        int tpid0 = v0 >>> 16;
        int tci0 = v0 & 0xffff;
        int vid0 = tci0 & 0xfff;
        if (cfg.mode() == VlanMode.DOT1Q_TUNNEL) {
            if (cfg.hasCvlans()) {
                // Only 802.1Q-tagged customer frames of an allowed C-VLAN; 0x88a8 is not a C-tag here.
                mask.exact(FlowField.VLAN0_TPID).exact(FlowField.VLAN0_VID);
                if (tpid0 != TPID_8021Q || vid0 == 0 || !cfg.allowsCvlan(vid0)) {
                    return false;
                }
            }
            vlan = cfg.tag();
            current = NONE;
            priority = 0;
            tagTpid = cfg.qinqEthertype();
            return true;
        }
        mask.exact(FlowField.VLAN0_TPID).exact(FlowField.VLAN0_VID);
        if (tpid0 == 0) {
            if (!ethTypeIsNotTpid(key, mask)) {
                return false;                   // a tag cut off mid-tag
            }
            current = NONE;
            priority = 0;
            tagTpid = TPID_8021Q;
            return classifyUntagged(cfg);
        }
        if (vid0 == 4095) {
            return false;
        }
        if (vid0 == 0) {
            // Priority tag: the frame is "untagged with a priority". Nothing may follow it: a second tag (whole or
            // cut) behind a priority tag is how VLAN hopping through an access port works, so it is dropped.
            mask.exact(FlowField.VLAN1_TPID);
            if ((key.vlan1() >>> 16) != 0 || !ethTypeIsNotTpid(key, mask)) {
                return false;
            }
            current = tpid0 << 16;
            priority = tci0 & 0xf000;
            tagTpid = tpid0;
            return classifyUntagged(cfg);
        }
        current = (tpid0 << 16) | vid0;
        priority = tci0 & 0xf000;
        tagTpid = tpid0;
        vlan = vid0;
        return switch (cfg.mode()) {
            case ACCESS -> false;
            case TRUNK -> cfg.trunksVlan(vid0);
            case NATIVE_TAGGED, NATIVE_UNTAGGED -> vid0 == cfg.tag() || cfg.trunksVlan(vid0);
            case DOT1Q_TUNNEL -> throw new AssertionError("handled above");
        };
    }

    private boolean classifyUntagged(BridgePortConfig cfg) {
        switch (cfg.mode()) {
            case ACCESS, NATIVE_TAGGED, NATIVE_UNTAGGED -> {
                vlan = cfg.tag();
                return true;
            }
            case TRUNK -> {
                vlan = 0;
                return cfg.trunksVlan(0);
            }
            case DOT1Q_TUNNEL -> throw new AssertionError("handled by the caller");
        }
        throw new AssertionError(cfg.mode());
    }

    /**
     * The bridge tag port {@code out} wants for the frame (tpid&lt;&lt;16|vid, or NONE); the frame's PCP/DEI go into
     * any tag pushed. The caller has checked that {@code out} carries {@link #vlan}.
     */
    int want(BridgePortConfig out) {
        boolean untagged = switch (out.mode()) {
            case ACCESS -> true;
            case TRUNK, NATIVE_TAGGED -> vlan == 0;
            case NATIVE_UNTAGGED -> vlan == out.tag() || vlan == 0;
            case DOT1Q_TUNNEL -> true;
        };
        if (!untagged) {
            return (tagTpid << 16) | vlan;
        }
        if (out.mode() == VlanMode.DOT1Q_TUNNEL) {
            return NONE;                        // the customer frame leaves as it came
        }
        return switch (out.priorityTags()) {
            case NEVER -> NONE;
            case IF_NONZERO -> {
                if (current != NONE) {
                    priorityUsed = true;
                }
                yield (priority >>> 13) != 0 ? TPID_8021Q << 16 : NONE;
            }
            case ALWAYS -> TPID_8021Q << 16;
        };
    }

    /** The TCI of a pushed tag for {@code want}: its VID with the frame's PCP and DEI. Marks them used. */
    int pushTci(int want) {
        if (current != NONE) {
            priorityUsed = true;
        }
        return priority | (want & 0xfff);
    }

    /** Un-wildcards PCP and DEI if egress used them. */
    void finishMask(FlowMask mask) {
        if (priorityUsed) {
            mask.exact(FlowField.VLAN0_PCP).exact(FlowField.VLAN0_DEI);
        }
    }

    /**
     * Whether the frame's eth_type is not 0x8100 or 0x88a8, un-wildcarding only the bits that prove it: one
     * bit where eth_type differs from both TPIDs if there is one, else one bit against each (all 16 when it is
     * a TPID, because then every bit was needed to say so).
     */
    static boolean ethTypeIsNotTpid(FlowKey key, FlowMask mask) {
        int et = (int) key.get(FlowField.ETH_TYPE);
        int d1 = et ^ TPID_8021Q;
        int d2 = et ^ TPID_8021AD;
        if (d1 == 0 || d2 == 0) {
            mask.exact(FlowField.ETH_TYPE);
            return false;
        }
        int both = d1 & d2;
        long bits = both != 0 ? Integer.highestOneBit(both) : Integer.highestOneBit(d1) | Integer.highestOneBit(d2);
        mask.bits(FlowField.ETH_TYPE, bits);
        return true;
    }
}
