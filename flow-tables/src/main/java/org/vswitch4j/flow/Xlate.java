package org.vswitch4j.flow;

import java.util.ArrayList;
import java.util.List;
import org.vswitch4j.core.datapath.DatapathAction;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.datapath.Translation;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/**
 * One translation: runs a flow key through the OpenFlow tables and writes the datapath actions that do the same
 * to every packet like it, plus (in the caller's mask) every key bit the walk read. What Open vSwitch's
 * {@code ofproto-dpif-xlate.c} does, for our vocabulary.
 *
 * <h2>Two keys</h2>
 * {@link #flow} is the packet as the OpenFlow actions see it: set-field, load, push and pop change it at once.
 * {@link #base} is the packet as the datapath actions emitted so far leave it. Before anything that lets the
 * packet out (an output, a controller action, NORMAL) {@link #commit} emits the set-field and VLAN actions that
 * turn {@code base} into {@code flow}: edits nobody sees cost nothing, and registers and metadata never reach
 * the datapath.
 *
 * <h2>The mask</h2>
 * Every lookup ORs in the bits the classifier consulted; every action that reads a field (move, output to a
 * register, learn, dec_ttl, the select group's hash, NORMAL) ORs in the bits it read. Reading a field the actions
 * changed un-wildcards the packet's original field too, which is more specific than needed, never wrong.
 *
 * <p>Thread-safety: one instance per pipeline, used under the datapath's slow-path lock.
 */
final class Xlate {
    /** Resubmit and group nesting limit, as Open vSwitch's (see {@link #limitDepth} for what it counts). */
    static final int MAX_DEPTH = 64;
    /**
     * A bound of our own on how many tables' actions run inside each other (resubmits to later tables and goto_table
     * included), against the Java stack: a loop of forward steps through the 255 tables deepens Open vSwitch's depth
     * once per lap, so its limits alone would let a translation nest ~16,000 tables deep. 512 is twice the longest
     * forward chain the tables allow.
     */
    static final int MAX_NESTING = 512;
    /**
     * check_pkt_larger actions per translation, a bound of our own: each one translates what follows it twice, so
     * k of them in a row make 2^k branches (Open vSwitch has no such bound and grows without one).
     */
    static final int MAX_LENGTH_CHECKS = 1024;
    /** Resubmits per translation, as Open vSwitch's. */
    static final int MAX_RESUBMITS = 4096;

    private final FlowPipeline pipe;
    final FlowKey flow = new FlowKey();
    /**
     * {@link #base}'s words once a commit or NORMAL wrote them; until then base is the translated key itself,
     * {@link #start} (no edit has reached the datapath yet), and is not copied: most translations never write it.
     * Read base through {@link #baseWords}, write it through {@link #ownBase}.
     */
    private final FlowKey base = new FlowKey();
    private boolean baseOwned;
    /** The key being translated (the caller's; not changed during the run). */
    private FlowKey start;
    /** Where a tunnel port un-wildcards tunnel fields the actions wrote (see {@link #portOutput}). */
    private final FlowMask scratchMask = new FlowMask();
    private FlowMask mask;
    private Translation tx;
    private final ActionCollector out = new ActionCollector();
    private long version;
    private long packets;
    private long bytes;
    private long now;
    /** False for trace: no counters, no learning. */
    private boolean sideEffects;
    private Trace.Recorder trace;
    private int depth;
    /**
     * Open vSwitch's translation depth, which its limit of {@value #MAX_DEPTH} counts: a resubmit to the same or an
     * earlier table and a group bucket deepen it; a resubmit to a later table, goto_table and a check_pkt_larger
     * branch do not ({@link #depth} also indents the trace, and counts them all).
     */
    private int limitDepth;
    /** Tables whose actions are running, one inside the other (resubmit, goto_table, buckets): {@link #MAX_NESTING}. */
    private int nesting;
    private int resubmits;
    /** check_pkt_larger actions translated so far: {@link #MAX_LENGTH_CHECKS}. */
    private int lengthChecks;
    /**
     * exit (or a limit, which then fails the translation): no further action anywhere in the pipeline; after an exit
     * the action set still runs, as after Open vSwitch's exit (a bucket or an action set cannot hold exit).
     */
    private boolean stopped;
    /** The resubmit limit was reached: the translation fails, and its packet is dropped (as Open vSwitch). */
    private boolean limitHit;
    /** The push/pop stack: value {@code i} is {@code stackHi[i]:stackLo[i]}, right-aligned. */
    private long[] stackHi = new long[8];
    private long[] stackLo = new long[8];
    /** Each value's size as Open vSwitch stores it: a byte per started 8 bits. */
    private byte[] stackLen = new byte[8];
    /** Values on the stack, and the bottom of the current one (a clone's starts at the outer top). */
    private int stackTop;
    private int stackBase;
    /** Bytes on the current stack as Open vSwitch counts them (each value's bytes and one length byte). */
    private int stackBytes;
    /** Open vSwitch's bound: a resubmit finding this much on the stack fails the translation. */
    static final int MAX_STACK_BYTES = 65536;
    /**
     * A dec_ttl found the TTL expired: the rest of the current action list and of its entry's instructions is
     * skipped, but a resubmit or group that reached it resumes after it (ovs-actions(7), "The dec_ttl action").
     */
    private boolean listStopped;
    /** The action set being written: the translation's, or during a clone's actions the clone's own. */
    private ActionSet actionSet = new ActionSet();
    /** The table being processed, for packet-ins and the current-table resubmit. */
    private int table;
    /**
     * Every table lookup of the walk, in order: the table and the entry it matched (null for a miss), which is
     * what the walk counted; and whether that was all its side effects (see {@link #memo()}).
     */
    private Object[] steps = new Object[16]; // table, entry (null: a miss), table, entry, ...
    private int nLookups;
    private boolean memoizable;

    Xlate(FlowPipeline pipe) {
        this.pipe = pipe;
    }

    /** Translates {@code key}; see the class comment. */
    DatapathActions run(FlowKey key, FlowMask m, Translation t, long ver, boolean effects, Trace.Recorder rec) {
        flow.copyFrom(key);
        start = key;
        baseOwned = false;
        mask = m;
        tx = t;
        out.reset();
        version = ver;
        now = t.nowNanos();
        sideEffects = effects;
        if (!effects) {
            packets = 0;
            bytes = 0;
        } else if (t.isRevalidation()) {
            packets = t.usedPackets();
            bytes = t.usedBytes();
        } else {
            packets = t.packet() != null ? 1 : 0;
            bytes = t.packet() != null ? t.packet().length() : 0;
        }
        trace = rec;
        depth = 0;
        limitDepth = 0;
        nesting = 0;
        resubmits = 0;
        lengthChecks = 0;
        stopped = false;
        limitHit = false;
        stackTop = 0;
        stackBase = 0;
        stackBytes = 0;
        listStopped = false;
        actionSet.clear();
        java.util.Arrays.fill(steps, 0, 2 * nLookups, null); // no table or entry kept alive by the scratch
        nLookups = 0;
        memoizable = true;
        try {
            processTable(0, -1);
            stopped = false; // exit ends the pipeline, not the action set it wrote
            if (!limitHit && !actionSet.isEmpty()) {
                if (trace != null) {
                    trace.note(0, "action set: " + actionSet.describe());
                }
                actionSet.execute(this);
            }
            // metadata and the registers are zero in every packet's key (only the pipeline writes them): a lookup
            // that read them learned nothing about the packet, and leaving them in would split megaflows into
            // needlessly many masks.
            java.util.Arrays.fill(m.w, FlowKey.W_METADATA, FlowKey.WORDS, 0L);
            if (limitHit) {
                // A failed translation drops the packet whole, as Open vSwitch clears its datapath actions on a
                // translation error: no partial result of a loop reaches the datapath.
                if (trace != null) {
                    trace.note(0, "translation failed at a resubmit limit: the packet is dropped");
                }
                out.reset();
                return DatapathActions.DROP;
            }
            return out.build();
        } finally {
            tx = null;
            trace = null;
            mask = null;
            start = null;
        }
    }

    /** The words of {@link #base} (see there), for reading only. */
    private long[] baseWords() {
        return baseOwned ? base.w : start.w;
    }

    /** The words of {@link #base}, to write: copies the start key into it on the first write of a translation. */
    private long[] ownBase() {
        if (!baseOwned) {
            base.copyFrom(start);
            baseOwned = true;
        }
        return base.w;
    }

    /**
     * After {@link #run}: the walk's side effects per use, when counting its table lookups and matched entries is
     * all they are (no learn, group, NORMAL or controller action), else null. What {@code FlowPipeline.refresh}
     * replays for a megaflow that packets used, instead of translating again.
     */
    FlowPipeline.Memo memo() {
        return memoizable ? new FlowPipeline.Memo(java.util.Arrays.copyOf(steps, 2 * nLookups)) : null;
    }

    // ---- tables ----------------------------------------------------------------------------------------

    /**
     * Looks {@link #flow} up in table {@code t} and runs what the entry says. {@code lookupInPort} (unless
     * negative) stands in for the in_port during the lookup only, for resubmit(port,table): "the changes ... to
     * the input port ... are just for searching the flow table. The changes are not visible to actions or to
     * later flow table lookups" (ovs-actions(7)).
     */
    private void processTable(int t, long lookupInPort) {
        int saved = table;
        table = t;
        FlowTable tb = pipe.tableLocked(t);
        FlowEntry e;
        if (lookupInPort < 0) {
            e = tb.lookup(flow, version, mask, tx);
        } else {
            long in = flow.w[FlowKey.W_IN_PORT];
            flow.w[FlowKey.W_IN_PORT] = lookupInPort;
            e = tb.lookup(flow, version, mask, tx);
            flow.w[FlowKey.W_IN_PORT] = in;
        }
        if (sideEffects) {
            tb.lookups += packets;
        }
        int at = 2 * nLookups++;
        if (at == steps.length) {
            steps = java.util.Arrays.copyOf(steps, at * 2);
        }
        steps[at] = tb;
        steps[at + 1] = e;
        if (e == null) {
            tx.addTag(FlowTable.missTag(t));
            if (trace != null) {
                trace.table(depth, t, null);
            }
            table = saved;
            return; // OpenFlow 1.3: a table miss drops, unless a miss entry (priority 0, match all) says otherwise
        }
        tx.addTag(e.entryTag);
        tx.addTag(e.priorityTag); // e is in table t
        if (trace != null) {
            trace.table(depth, t, e.stats(now));
        }
        if (sideEffects) {
            tb.matches += packets;
            e.packets += packets;
            e.bytes += bytes;
            if (packets > 0) {
                e.usedNanos = now;
            }
        }
        Instructions in = e.instructions;
        if (trace != null && in.applyActions().isEmpty() && in.writeActions() == null && in.gotoTable() < 0) {
            trace.note(depth, "drop");
        }
        if (in.meterId() != 0) {
            MeterEntry m = pipe.meter(in.meterId());
            tx.addTag(FlowTable.meterTag(in.meterId()));
            if (m != null) {
                out.add(new DatapathAction.Meter(m));
            }
        }
        nesting++;
        doActions(in.applyActions(), 0, e, in);
        if (listStopped) {
            // an expired dec_ttl (or a check_pkt_larger, which ran the rest itself) skipped this entry's remaining
            // instructions, nothing more
            listStopped = false;
        } else if (!stopped) {
            afterApply(in);
        }
        nesting--;
        table = saved;
    }

    /** The instructions after apply-actions: clear-actions, write-actions, write-metadata, goto-table. */
    private void afterApply(Instructions in) {
        if (in.clearActions()) {
            actionSet.clear();
        }
        if (in.writeActions() != null) {
            actionSet.write(in.writeActions());
        }
        if (in.metadataMask() != 0) {
            long[] w = flow.w;
            w[FlowKey.W_METADATA] = (w[FlowKey.W_METADATA] & ~in.metadataMask()) | in.metadata();
        }
        if (in.gotoTable() >= 0 && tableActionAllowed()) {
            processTable(in.gotoTable(), -1);
        }
    }

    // ---- actions ---------------------------------------------------------------------------------------

    /** Applies {@code actions} in order; {@code entry} is the flow they belong to (null for buckets, action sets). */
    void doActions(List<Action> actions, FlowEntry entry) {
        doActions(actions, 0, entry, null);
    }

    /**
     * Applies {@code actions} from index {@code from}; {@code tail}: the instructions of {@code entry} whose
     * apply-actions these are (what follows them, for check_pkt_larger), else null.
     */
    private void doActions(List<Action> actions, int from, FlowEntry entry, Instructions tail) {
        for (int i = from, n = actions.size(); i < n; i++) { // indexed: the lists are List.of or ArrayList, no iterator
            Action a = actions.get(i);
            if (stopped || listStopped) {
                return;
            }
            if (trace != null) {
                trace.action(depth, a);
            }
            switch (a) {
                case Action.Output o -> output(o.port(), o.maxLen(), entry);
                case Action.Group g -> group(g.groupId(), entry);
                case Action.SetField s -> setField(s.field(), s.valueHigh(), s.value(), s.maskHigh(), s.mask());
                case Action.PushVlan p -> pushVlan(p.ethertype());
                case Action.PopVlan _ -> popVlan();
                case Action.DecTtl d -> decTtl(d, entry);
                case Action.SetTtl t -> setTtl(t.ttl());
                case Action.SetQueue _, Action.PopQueue _ -> {
                    // Queues belong to the output port's QoS; the datapath has none yet, so the packet keeps its
                    // default queue (trace shows the action).
                }
                case Action.Resubmit r -> resubmit(r);
                case Action.Load l -> writeBits(l.dst(), l.valueHigh(), l.value());
                case Action.Move m -> {
                    long[] v = readBits(m.src());
                    writeBits(m.dst(), v[0], v[1]);
                }
                case Action.StackPush sp -> push(sp.src());
                case Action.StackPop sp -> pop(sp.dst());
                case Action.Note _ -> {
                }
                case Action.OutputReg r -> outputReg(r, entry);
                case Action.Conjunction _ -> {
                    // Only matters to lookups (FlowTable); as an action it does nothing.
                }
                case Action.Learn l -> learn(l.spec(), entry);
                case Action.Clone c -> cloneActions(c, entry);
                case Action.Controller c -> toController(c.maxLen(), c.reason(), c.controllerId(), c.userdata(), entry);
                case Action.Exit _ -> stopped = true;
                case Action.FinTimeout ft -> finTimeout(ft, entry);
                case Action.Multipath mp -> multipath(mp);
                case Action.Bundle b -> bundle(b, entry);
                case Action.CheckPktLarger c -> checkPktLarger(c, actions, i + 1, entry, tail);
                case Action.OutputTrunc t -> outputTrunc(t);
            }
        }
    }

    /**
     * output:FIELD, as Open vSwitch 3.1's {@code xlate_output_reg_action}: the value is a 16-bit OpenFlow 1.0 port
     * number (0xfff8 IN_PORT ... 0xfffe LOCAL, which bundle_load writes); a value above 65535 sends nothing.
     */
    private void outputReg(Action.OutputReg r, FlowEntry entry) {
        long[] v = readBits(r.src());
        if (v[0] != 0 || v[1] < 0 || v[1] > 0xffff) {
            if (trace != null) {
                trace.note(depth, "output port " + Long.toUnsignedString(v[1]) + " is out of range");
            }
            return;
        }
        long p = v[1];
        if (p >= 0xff00) {
            if (p < 0xfff8 || p == 0xffff) {
                return; // unassigned reserved numbers, and NONE: no port
            }
            p += 0xffff_0000L; // OpenFlow 1.0's reserved ports as OpenFlow 1.3 numbers them
        }
        output(p, r.maxLen(), entry);
    }

    // ---- check_pkt_larger ----------------------------------------------------------------------------------

    /**
     * check_pkt_larger, as Open vSwitch 3.1's {@code xlate_check_pkt_larger} with a datapath that has
     * check_pkt_len: what follows in this list (and the entry's later instructions, and the action set) is
     * translated twice, with 1 and with 0 in the destination bit; the two action lists become the branches of one
     * check_pkt_len datapath action. Both branches start from the flow and the datapath's view of the packet at the
     * check. The stack and the action set are copied once for both, as Open vSwitch does: the second branch finds
     * the stack as the first left it, and the action set empty (running an action set empties it). Afterwards
     * everything is as before the check, and this list ends. An exit in the first branch ends the translation after
     * the check, as in Open vSwitch.
     */
    private void checkPktLarger(Action.CheckPktLarger c, List<Action> actions, int next, FlowEntry entry,
                                Instructions tail) {
        if (++lengthChecks > MAX_LENGTH_CHECKS) {
            fail("more than " + MAX_LENGTH_CHECKS + " check_pkt_larger branches: translation fails");
            return;
        }
        commit(); // the branches start from the packet as the datapath has it here
        FlowKey savedFlow = flow.copy();
        boolean savedOwned = baseOwned;
        long[] savedBase = savedOwned ? java.util.Arrays.copyOf(base.w, FlowKey.PACKET_WORDS) : null;
        ActionSet savedSet = actionSet;
        actionSet = savedSet.copy();
        int savedTop = stackTop;
        int savedBottom = stackBase;
        int savedBytes = stackBytes;
        long[] savedHi = java.util.Arrays.copyOf(stackHi, stackTop);
        long[] savedLo = java.util.Arrays.copyOf(stackLo, stackTop);
        byte[] savedLen = java.util.Arrays.copyOf(stackLen, stackTop);
        int mark = out.size();
        DatapathActions[] branches = new DatapathActions[2];
        boolean firstExit = false;
        for (int b = 0; b < 2; b++) {
            boolean larger = b == 0;
            if (trace != null) {
                trace.note(depth, "check_pkt_larger: if the packet is " + (larger ? "larger than " : "at most ")
                        + c.pktLen() + " bytes");
            }
            writeBits(c.dst(), 0, larger ? 1 : 0);
            depth++; // for the trace's indentation only: not a level of Open vSwitch's depth limit
            try {
                doActions(actions, next, entry, tail);
                if (listStopped) {
                    listStopped = false; // an expired dec_ttl ends the branch's list only
                } else if (!stopped && tail != null) {
                    afterApply(tail);
                }
                if (larger) {
                    firstExit = stopped;
                }
                stopped = false; // as at the pipeline's end: an exit does not cancel the action set already written
                if (!limitHit && !actionSet.isEmpty()) {
                    if (trace != null) {
                        trace.note(depth, "action set: " + actionSet.describe());
                    }
                    actionSet.execute(this);
                    listStopped = false;
                }
                actionSet.clear();
            } finally {
                depth--;
            }
            branches[b] = out.cut(mark);
            // The flow and the datapath's view of the packet as at the check, for the other branch and after it.
            flow.copyFrom(savedFlow);
            if (savedOwned) {
                System.arraycopy(savedBase, 0, base.w, 0, FlowKey.PACKET_WORDS);
            }
            baseOwned = savedOwned;
        }
        actionSet = savedSet;
        stackTop = savedTop;
        stackBase = savedBottom;
        stackBytes = savedBytes;
        System.arraycopy(savedHi, 0, stackHi, 0, savedTop);
        System.arraycopy(savedLo, 0, stackLo, 0, savedTop);
        System.arraycopy(savedLen, 0, stackLen, 0, savedTop);
        out.add(new DatapathAction.CheckPktLen(c.pktLen(), branches[0], branches[1]));
        stopped = firstExit;
        listStopped = true; // the rest of this list, and the entry's later instructions, ran in the branches
    }

    // ---- multipath and bundle (Open vSwitch's hashes: FlowHash) ------------------------------------------

    private void multipath(Action.Multipath mp) {
        long[] w = flow.w;
        int h = FlowHash.hash(mp.fields(), w, mp.basis());
        FlowHash.unwildcard(mp.fields(), w, mask);
        writeBits(mp.dst(), 0, multipathLink(h, mp.algorithm(), mp.links(), mp.arg()));
    }

    /** The link for hash {@code h}: Open vSwitch's {@code multipath_algorithm}, in 0..links-1. */
    static int multipathLink(int h, Action.MultipathAlgorithm algorithm, int links, long arg) {
        long hash = Integer.toUnsignedLong(h);
        switch (algorithm) {
            case MODULO_N:
                return (int) (hash % links);
            case HASH_THRESHOLD:
                return links == 1 ? 0 : (int) (hash / (0xffff_ffffL / links + 1));
            case HRW:
                if (links <= 64) {
                    int best = 0;
                    long bestWeight = Integer.toUnsignedLong(FlowHash.hash2Words(h, 0));
                    for (int link = 1; link < links; link++) {
                        long weight = Integer.toUnsignedLong(FlowHash.hash2Words(h, link));
                        if (weight > bestWeight) {
                            best = link;
                            bestWeight = weight;
                        }
                    }
                    return best;
                }
                return iterHash(h, links, 0);
            case ITER_HASH:
                return iterHash(h, links, arg);
            default:
                throw new AssertionError(algorithm);
        }
    }

    private static int iterHash(int h, int links, long arg) {
        long modulo = arg;
        if (modulo < links || modulo / 2 > links) {
            modulo = Integer.highestOneBit(links - 1) << 1; // the power of two at or above links (1 for 1)
            if (links == 1) {
                modulo = 1;
            }
        }
        int link;
        int i = 0;
        do {
            // OVS keeps the link in a uint16_t: its comparison sees the low 16 bits
            link = (int) (Integer.toUnsignedLong(FlowHash.hash2Words(h, i++)) % modulo) & 0xffff;
        } while (link >= links);
        return link;
    }

    private void bundle(Action.Bundle b, FlowEntry entry) {
        List<Long> ms = b.members();
        long chosen = OfPort.ANY; // NONE
        if (b.algorithm() == Action.BundleAlgorithm.ACTIVE_BACKUP) {
            for (long m : ms) {
                if (memberEnabled(m)) {
                    chosen = m;
                    break;
                }
            }
        } else {
            long[] w = flow.w;
            if (ms.size() > 1) {
                FlowHash.unwildcard(b.fields(), w, mask);
            }
            int h = FlowHash.hash(b.fields(), w, b.basis());
            long bestHash = -1;
            for (int i = 0; i < ms.size(); i++) {
                if (memberEnabled(ms.get(i))) {
                    long mh = Integer.toUnsignedLong(FlowHash.hash2Words(i, h));
                    if (mh > bestHash) {
                        bestHash = mh;
                        chosen = ms.get(i);
                    }
                }
            }
        }
        if (b.dst() != null) {
            writeBits(b.dst(), 0, Action.Bundle.ofp10(chosen));
        } else if (chosen != OfPort.ANY) {
            output(chosen, 0, entry);
        }
    }

    /** Whether a bundle may choose {@code port}: a live port of the bridge, or a reserved port but CONTROLLER. */
    private boolean memberEnabled(long port) {
        if (port == OfPort.CONTROLLER) {
            return false;
        }
        if (port == OfPort.LOCAL) {
            int local = pipe.localPort();
            return local > 0 && pipe.bridge().portLive(local);
        }
        if (!OfPort.isOrdinary(port)) {
            return true; // IN_PORT, TABLE, NORMAL, FLOOD, ALL, NONE
        }
        return port <= Integer.MAX_VALUE && pipe.bridge().portLive((int) port);
    }

    void output(long port, int maxLen, FlowEntry entry) {
        int in = flow.inPort();
        if (port == OfPort.CONTROLLER) {
            toController(maxLen, PacketIn.Reason.ACTION, 0, NO_USERDATA, entry);
        } else if (port == OfPort.NORMAL) {
            memoizable = false; // NORMAL learns and ages MACs on every use
            commit();
            DatapathActions n = pipe.bridge().normal(flow, mask, tx);
            for (DatapathAction a : n.actions()) {
                out.add(a);
                applyToBase(a);
            }
        } else if (port == OfPort.FLOOD || port == OfPort.ALL) {
            commit();
            for (int p : pipe.bridge().ofports()) {
                if (p != in && (port == OfPort.ALL || pipe.bridge().portLive(p))) {
                    portOutput(p);
                }
            }
        } else if (port == OfPort.IN_PORT) {
            if (pipe.bridge().hasPort(in)) {
                commit();
                portOutput(in);
            }
        } else if (port == OfPort.LOCAL) {
            int local = pipe.localPort();
            if (local > 0 && local != in) {
                commit();
                portOutput(local);
            }
        } else if (port == OfPort.TABLE) {
            // Only a packet-out may send to TABLE; inside the pipeline it would loop, so it does nothing (as OVS).
        } else if (port > 0 && port <= Integer.MAX_VALUE && port != in && pipe.bridge().hasPort((int) port)) {
            commit();
            portOutput((int) port);
        }
        // An output to the input port itself, or to a port the bridge does not have, sends nothing (OpenFlow).
    }

    /**
     * output(port=P,max_len=N), as Open vSwitch 3.1's {@code xlate_output_trunc_action}: a trunc datapath action
     * before the output, so only that copy is cut. A port that is the input port is skipped. A port the bridge does
     * not have sends nothing, and so does IN_PORT: Open vSwitch looks it up as a port of its own, finds none, and
     * reports "output_trunc does not support patch port IN_PORT".
     */
    private void outputTrunc(Action.OutputTrunc t) {
        int in = flow.inPort();
        long port = t.port();
        long p = port == OfPort.LOCAL ? pipe.localPort() : port;
        if (p == in) {
            if (trace != null) {
                trace.note(depth, "skipping output to input port");
            }
            return;
        }
        if (p <= 0 || p > Integer.MAX_VALUE || !pipe.bridge().hasPort((int) p)) {
            if (trace != null) {
                trace.note(depth, "output_trunc does not support port " + OfPort.name(port) + " (no such port)");
            }
            return;
        }
        commit();
        int mark = out.size();
        out.add(new DatapathAction.Trunc(t.maxLen()));
        portOutput((int) p);
        if (out.size() == mark + 1) {
            out.cut(mark); // the (tunnel) port sent nothing: no trunc may wait for the next output
        }
    }

    /**
     * An output to a bridge port: for a tunnel port, Open vSwitch's tnl_push of the header the port builds from
     * the flow's tunnel fields as the actions left them (set_field to tun_dst, tun_ipv6_dst, tun_id or a
     * tun_metadata field, which a Geneve port sends as the option the TLV map gives it), or nothing when the
     * port cannot send such a packet (a flow-based remote without tun_dst).
     */
    private void portOutput(int port) {
        org.vswitch4j.core.port.Port driver = pipe.bridge().portDriver(port);
        if (driver == null || !driver.isTunnel()) {
            out.output(port);
            return;
        }
        // Tunnel fields the actions wrote (set_field, move: whose sources are already in the mask) tell nothing about
        // the packet; only the ones it arrived with are un-wildcarded when the port reads them.
        boolean written = !java.util.Arrays.equals(flow.w, FlowKey.W_TUN_ID, FlowKey.TUNNEL_END,
                baseWords(), FlowKey.W_TUN_ID, FlowKey.TUNNEL_END);
        if (written) {
            scratchMask.clear();
        }
        org.vswitch4j.core.port.TunnelHeader h = driver.tunnelHeader(flow, written ? scratchMask : mask);
        if (h != null) {
            out.add(new DatapathAction.TunnelPush(port, h));
        }
    }

    private static final byte[] NO_USERDATA = new byte[0];

    private void toController(int maxLen, PacketIn.Reason reason, int id, byte[] userdata, FlowEntry entry) {
        memoizable = false;
        commit();
        long cookie = entry == null ? -1L : entry.cookie;
        out.add(new DatapathAction.Userspace(new ControllerSink(pipe, reason, table, cookie, maxLen, id, userdata), 0));
    }

    private void group(long id, FlowEntry entry) {
        memoizable = false; // group and bucket counters
        tx.addTag(FlowTable.groupTag(id));
        if (limitExceeded()) { // as a resubmit: Open vSwitch checks the same limits before a group
            fail(limitReason() + " at group " + id);
            return;
        }
        GroupEntry g = pipe.group(id);
        if (g == null) {
            return;
        }
        if (sideEffects) {
            g.packets += packets;
            g.bytes += bytes;
        }
        depth++;
        limitDepth++; // Open vSwitch deepens at each bucket: one level per group, as here
        try {
            switch (g.type) {
                case ALL -> {
                    for (int i = 0; i < g.buckets.size() && !stopped; i++) {
                        bucket(g, i, entry);
                    }
                }
                case INDIRECT -> bucket(g, 0, entry);
                case SELECT -> {
                    int i = select(g);
                    if (i >= 0) {
                        bucket(g, i, entry);
                    }
                }
                case FAST_FAILOVER -> {
                    for (int i = 0; i < g.buckets.size(); i++) {
                        if (bucketLive(g.buckets.get(i), 0)) {
                            bucket(g, i, entry);
                            break;
                        }
                    }
                }
            }
        } finally {
            depth--;
            limitDepth--;
        }
    }

    /**
     * clone(...): its actions on a copy of the packet and of the action set (see {@link Action.Clone}), as Open
     * vSwitch 3.1's {@code clone_xlate_actions}. The datapath needs no clone of its own: the packet's edits the copy
     * committed before its outputs are undone by the next commit, since {@link #flow} is restored.
     */
    private void cloneActions(Action.Clone c, FlowEntry entry) {
        FlowKey saved = flow.copy();
        ActionSet outer = actionSet;
        actionSet = outer.copy();
        // The clone's stack starts empty, above the outer one, which it cannot pop (as Open vSwitch's clone).
        int outerTop = stackTop;
        int outerBase = stackBase;
        int outerBytes = stackBytes;
        stackBase = stackTop;
        stackBytes = 0;
        try {
            doActions(c.actions(), entry);
            listStopped = false; // an expired dec_ttl ends the clone's list only
            boolean exited = stopped;
            stopped = false; // as at the pipeline's end: an exit does not cancel the action set already written
            if (!limitHit && !actionSet.isEmpty()) {
                if (trace != null) {
                    trace.note(depth, "clone's action set: " + actionSet.describe());
                }
                actionSet.execute(this);
                listStopped = false; // an expired dec_ttl in the clone's action set ends that set only
            }
            stopped = exited;
        } finally {
            actionSet = outer;
            flow.copyFrom(saved);
            stackTop = outerTop;
            stackBase = outerBase;
            stackBytes = outerBytes;
        }
    }

    /** push: the value of {@code src} (its bits un-wildcarded, as any read) onto the stack. */
    private void push(FieldRef src) {
        long[] v = readBits(src);
        if (stackTop == stackHi.length) {
            int n = stackTop * 2;
            stackHi = java.util.Arrays.copyOf(stackHi, n);
            stackLo = java.util.Arrays.copyOf(stackLo, n);
            stackLen = java.util.Arrays.copyOf(stackLen, n);
        }
        int bytes = (src.bits() + 7) / 8;
        stackHi[stackTop] = v[0];
        stackLo[stackTop] = v[1];
        stackLen[stackTop] = (byte) bytes;
        stackTop++;
        stackBytes += bytes + 1;
    }

    /** pop: the top value's low bits into {@code dst}; nothing on an empty stack. */
    private void pop(FieldRef dst) {
        if (stackTop == stackBase) {
            if (trace != null) {
                trace.note(depth, "pop:" + dst + ": stack underflow");
            }
            return;
        }
        stackTop--;
        stackBytes -= stackLen[stackTop] + 1;
        writeBits(dst, stackHi[stackTop], stackLo[stackTop]);
    }

    /** Runs bucket {@code i} of {@code g} on a copy of the packet: the next bucket starts from the same packet. */
    private void bucket(GroupEntry g, int i, FlowEntry entry) {
        if (sideEffects) {
            g.bucketPackets[i] += packets;
            g.bucketBytes[i] += bytes;
        }
        if (trace != null) {
            trace.note(depth, "group " + g.id + " bucket " + i);
        }
        FlowKey saved = flow.copy();
        ActionSet set = new ActionSet();
        set.write(g.buckets.get(i).actions());
        set.execute(this);
        flow.copyFrom(saved);
        listStopped = false; // an expired dec_ttl ends only this bucket
    }

    private boolean bucketLive(GroupMod.Bucket b, int level) {
        if (b.watchPort() != OfPort.ANY) {
            return b.watchPort() > 0 && b.watchPort() <= Integer.MAX_VALUE && pipe.bridge().portLive((int) b.watchPort());
        }
        if (b.watchGroup() != GroupMod.Bucket.NO_GROUP) {
            tx.addTag(FlowTable.groupTag(b.watchGroup()));
            GroupEntry w = pipe.group(b.watchGroup());
            if (w == null || level >= MAX_DEPTH) {
                return false;
            }
            for (GroupMod.Bucket wb : w.buckets) {
                if (bucketLive(wb, level + 1)) {
                    return true;
                }
            }
            return false;
        }
        return true;
    }

    /**
     * The select group's bucket: a hash of the L2-L4 fields the packet has (each one un-wildcarded), spread over
     * the buckets by weight. -1 when every weight is 0.
     */
    private int select(GroupEntry g) {
        // Live buckets only (watch port down, or a watched group without a live bucket): Open vSwitch restricts the
        // choice so, and OpenFlow allows it. Liveness is read twice per bucket, which is cheap, rather than kept.
        long total = 0;
        for (GroupMod.Bucket b : g.buckets) {
            if (bucketLive(b, 0)) {
                total += b.weight();
            }
        }
        if (total == 0) {
            return -1;
        }
        long h = hashFields();
        long r = Long.remainderUnsigned(h, total);
        for (int i = 0; i < g.buckets.size(); i++) {
            GroupMod.Bucket b = g.buckets.get(i);
            if (b.weight() > 0 && bucketLive(b, 0)) {
                r -= b.weight();
                if (r < 0) {
                    return i;
                }
            }
        }
        return -1; // not reached: the live weights add up to total
    }

    private long hashFields() {
        long[] w = flow.w;
        long h = 0x9e3779b97f4a7c15L;
        h = mixIn(h, read(FlowField.ETH_SRC));
        h = mixIn(h, read(FlowField.ETH_DST));
        int type = (int) read(FlowField.ETH_TYPE);
        h = mixIn(h, type);
        h = mixIn(h, read(FlowField.VLAN0_VID));
        if (type == 0x0800 || type == 0x86dd) {
            int proto = (int) read(FlowField.IP_PROTO);
            h = mixIn(h, proto);
            if (type == 0x0800) {
                mask.exact(FlowField.IPV4_SRC);
                mask.exact(FlowField.IPV4_DST);
                h = mixIn(h, w[FlowKey.W_NW]);
            } else {
                for (int i = FlowKey.W_IPV6_SRC; i < FlowKey.W_IPV6_DST + 2; i++) {
                    mask.w[i] = -1L;
                    h = mixIn(h, w[i]);
                }
            }
            if (proto == 6 || proto == 17 || proto == 132) {
                h = mixIn(h, read(FlowField.TP_SRC));
                h = mixIn(h, read(FlowField.TP_DST));
            }
        }
        return h ^ (h >>> 31);
    }

    private long read(FlowField f) {
        mask.exact(f);
        return flow.get(f);
    }

    private static long mixIn(long h, long v) {
        h ^= v;
        h *= 0xff51afd7ed558ccdL;
        return h ^ (h >>> 29);
    }

    private void setField(MatchField f, long vh, long v, long mh, long m) {
        long[] w = flow.w;
        switch (f) {
            case VLAN_VID, VLAN_TCI, VLAN_PCP -> {
                int tpid = (int) (w[FlowKey.W_VLAN] >>> 48);
                boolean present = f == MatchField.VLAN_PCP ? tpid != 0 : (v & m & 0x1000) != 0 || tpid != 0;
                if (!present) {
                    return; // setting VLAN fields of an untagged packet does nothing (push_vlan first)
                }
                if (tpid == 0) {
                    pushVlan(0x8100); // mod_vlan_vid / a vlan_vid with OFPVID_PRESENT on an untagged packet tags it
                }
                // The present bit is the TPID's top bit: it stays set; only VID and PCP bits change.
                long keep = f == MatchField.VLAN_PCP ? m : m & ~0x1000L;
                f.write(w, 0, v, 0, keep);
            }
            default -> f.write(w, vh, v, mh, m);
        }
    }

    private void pushVlan(int tpid) {
        long[] w = flow.w;
        long outer = w[FlowKey.W_VLAN] >>> 32;
        int tci = outer != 0 ? (int) (outer & 0xffff) : 0; // a new tag copies VID and PCP of the tag below
        w[FlowKey.W_VLAN] = ((long) tpid << 48) | ((long) tci << 32) | outer;
    }

    private void popVlan() {
        long[] w = flow.w;
        w[FlowKey.W_VLAN] = w[FlowKey.W_VLAN] << 32; // the inner tag becomes the outer one
    }

    private boolean isIp() {
        int type = (int) read(FlowField.ETH_TYPE);
        return type == 0x0800 || type == 0x86dd;
    }

    private void decTtl(Action.DecTtl d, FlowEntry entry) {
        if (!isIp()) {
            return; // dec_ttl leaves non-IP packets alone (as Open vSwitch)
        }
        long ttl = read(FlowField.IP_TTL);
        if (ttl <= 1) {
            if (pipe.hasController()) {
                // dec_ttl(ID,...) names the controller connections to tell; without ids, connection 0 (as OVS)
                List<Integer> ids = d.controllerIds();
                if (ids.isEmpty()) {
                    toController(0xffff, PacketIn.Reason.INVALID_TTL, 0, NO_USERDATA, entry);
                }
                for (int i = 0; i < ids.size(); i++) {
                    toController(0xffff, PacketIn.Reason.INVALID_TTL, ids.get(i), NO_USERDATA, entry);
                }
            }
            listStopped = true;
            if (trace != null) {
                trace.note(depth, "dec_ttl: TTL " + ttl + " expired, the rest of this action list is skipped");
            }
            return;
        }
        flow.set(FlowField.IP_TTL, ttl - 1);
    }

    private void setTtl(int ttl) {
        if (isIp()) {
            flow.set(FlowField.IP_TTL, ttl);
        }
    }

    private void resubmit(Action.Resubmit r) {
        int target = r.table() < 0 ? table : r.table();
        if (!tableActionAllowed()) {
            return;
        }
        boolean deepens = target <= table; // as Open vSwitch: only a step back (or in place) can loop
        depth++;
        limitDepth += deepens ? 1 : 0;
        try {
            processTable(target, r.inPort() == OfPort.IN_PORT ? -1 : r.inPort() & 0xffff_ffffL);
        } finally {
            depth--;
            limitDepth -= deepens ? 1 : 0;
        }
    }

    /**
     * Open vSwitch's check before every table action (resubmit, goto_table) and group: under the depth, resubmit
     * and stack limits, and counts the table action; else fails the translation (the packet is dropped).
     */
    private boolean tableActionAllowed() {
        if (limitExceeded()) {
            fail(limitReason());
            return false;
        }
        resubmits++;
        return true;
    }

    /**
     * Over Open vSwitch's translation depth, resubmit count or stack bound, or our nesting bound (checked before
     * resubmits, goto_table and groups).
     */
    private boolean limitExceeded() {
        return limitDepth >= MAX_DEPTH || resubmits >= MAX_RESUBMITS || stackBytes >= MAX_STACK_BYTES
                || nesting >= MAX_NESTING;
    }

    private String limitReason() {
        return stackBytes >= MAX_STACK_BYTES ? "resubmits yielded over 64 kB of stack"
                : "resubmit limit reached (depth " + MAX_DEPTH + ", " + MAX_RESUBMITS + " resubmits, "
                + MAX_NESTING + " nested tables)";
    }

    /** Fails the translation: nothing more runs, and its packet is dropped ({@link #run}). */
    private void fail(String why) {
        if (trace != null) {
            trace.note(depth, why);
        }
        stopped = true;
        limitHit = true;
    }

    /** Reads the bits {@code ref} names, un-wildcarding exactly those: {hi, lo}, right-aligned. */
    long[] readBits(FieldRef ref) {
        MatchField f = ref.field();
        long[] w = flow.w;
        long hi = f.readHigh(w);
        long lo = f.readLow(w);
        long mh = Bits.shlHi(Bits.onesHi(ref.bits()), Bits.onesLo(ref.bits()), ref.offset());
        long ml = Bits.shlLo(Bits.onesLo(ref.bits()), ref.offset());
        f.orMask(mask.w, mh, ml);
        return new long[] {Bits.shrHi(hi & mh, ref.offset()), Bits.shrLo(hi & mh, lo & ml, ref.offset())};
    }

    /** Writes {@code hi:lo} (right-aligned) into the bits {@code ref} names. */
    void writeBits(FieldRef ref, long hi, long lo) {
        MatchField f = ref.field();
        long mh = Bits.shlHi(Bits.onesHi(ref.bits()), Bits.onesLo(ref.bits()), ref.offset());
        long ml = Bits.shlLo(Bits.onesLo(ref.bits()), ref.offset());
        setField(f, Bits.shlHi(hi, lo, ref.offset()) & mh, Bits.shlLo(lo, ref.offset()) & ml, mh, ml);
    }

    private void learn(LearnSpec spec, FlowEntry learner) {
        memoizable = false; // every use learns again (refreshing the learned flow's timeouts)
        Match.Builder mb = Match.builder();
        List<Action> acts = new ArrayList<>();
        for (LearnSpec.Item item : spec.items()) {
            switch (item) {
                case LearnSpec.MatchField mf -> {
                    long[] v = readBits(mf.src());
                    addMatchBits(mb, mf.dst(), v[0], v[1]);
                }
                case LearnSpec.MatchValue mv -> addMatchBits(mb, mv.dst(), mv.valueHigh(), mv.value());
                case LearnSpec.LoadField lf -> {
                    long[] v = readBits(lf.src());
                    acts.add(new Action.Load(lf.dst(), v[0], v[1]));
                }
                case LearnSpec.LoadValue lv -> acts.add(new Action.Load(lv.dst(), lv.valueHigh(), lv.value()));
                case LearnSpec.OutputField of -> acts.add(Action.Output.to(readBits(of.src())[1]));
            }
        }
        Match m;
        try {
            m = mb.build();
        } catch (FlowModException e) {
            if (sideEffects && packets > 0) {
                pipe.learnFailed(e);
            } else if (trace != null) {
                trace.note(depth, "learn would fail: " + e.getMessage());
            }
            return;
        }
        if (trace != null) {
            // What ofproto/trace shows: the flow a packet would learn (OVS's trace learns it; ours changes nothing).
            trace.note(depth, "learn (not applied by trace): table=" + spec.table() + " " + m + " priority="
                    + spec.priority() + " actions=" + acts);
        }
        boolean learn = sideEffects && packets > 0;
        if (!learn && spec.resultDst() == null) {
            return;
        }
        if (spec.finIdleTimeout() != 0 || spec.finHardTimeout() != 0) {
            acts.add(0, new Action.FinTimeout(spec.finIdleTimeout(), spec.finHardTimeout())); // first, as OVS puts it
        }
        java.util.Set<FlowFlag> flags = spec.sendFlowRem() ? java.util.Set.of(FlowFlag.SEND_FLOW_REM) : java.util.Set.of();
        FlowMod learned = new FlowMod(FlowMod.Command.ADD, spec.table(), spec.priority(), m, Instructions.apply(acts),
                spec.cookie(), 0, spec.idleTimeout(), spec.hardTimeout(), 0, flags, OfPort.ANY, FlowMod.ANY_GROUP);
        // A translation that must not learn (a trace; a revalidation of a megaflow no packet used) still writes the
        // outcome learning would have now: what OVS's trace, which learns, shows, and for a revalidation the
        // actions the upcall made while nothing they depend on changed.
        boolean ok = learn ? pipe.learnLocked(learned, learner, spec, now) : pipe.learnWouldSucceedLocked(learned, spec);
        if (trace != null && !ok) {
            trace.note(depth, "limit exceeded, learn would fail (" + spec.limit() + " flows with cookie 0x"
                    + Long.toHexString(spec.cookie()) + " in table " + spec.table() + ")");
        }
        if (spec.resultDst() != null) {
            if (spec.limit() > 0) {
                tx.addTag(FlowTable.limitTag(spec.table(), spec.cookie())); // the outcome follows the table's count
            }
            writeBits(spec.resultDst(), 0, ok ? 1 : 0);
        }
    }

    /** fin_timeout: shortens {@code entry}'s timeouts when the packet is a TCP segment with FIN or RST. */
    private void finTimeout(Action.FinTimeout ft, FlowEntry entry) {
        int et = (int) read(FlowField.ETH_TYPE);
        if (et != 0x0800 && et != 0x86dd || read(FlowField.IP_PROTO) != 6) {
            return;
        }
        mask.bits(FlowField.TCP_FLAGS, TCP_FIN | TCP_RST);
        if ((flow.get(FlowField.TCP_FLAGS) & (TCP_FIN | TCP_RST)) == 0 || entry == null) {
            return;
        }
        memoizable = false; // a refresh must shorten them again (a relearn may have restored them)
        if (!sideEffects || packets == 0) {
            if (trace != null) {
                trace.note(depth, "fin_timeout (not applied by trace): idle_timeout=" + ft.idleTimeout()
                        + ",hard_timeout=" + ft.hardTimeout());
            }
            return;
        }
        pipe.reduceTimeoutsLocked(entry, ft.idleTimeout(), ft.hardTimeout());
    }

    private static final long TCP_FIN = 0x001;
    private static final long TCP_RST = 0x004;

    private static void addMatchBits(Match.Builder mb, FieldRef dst, long hi, long lo) {
        MatchField f = dst.field();
        long mh = Bits.shlHi(Bits.onesHi(dst.bits()), Bits.onesLo(dst.bits()), dst.offset());
        long ml = Bits.shlLo(Bits.onesLo(dst.bits()), dst.offset());
        long vh = Bits.shlHi(hi, lo, dst.offset()) & mh;
        long vl = Bits.shlLo(lo, dst.offset()) & ml;
        Match.FieldMatch old = mb.get(f);
        if (old != null) {
            mb.remove(f);
            vh = (old.valueHigh() & ~mh) | vh;
            vl = (old.value() & ~ml) | vl;
            mh |= old.maskHigh();
            ml |= old.mask();
        }
        if (!f.maskable() && (ml != f.widthMaskLow() || mh != f.widthMaskHigh())) {
            ml = f.widthMaskLow(); // a partial match of an unmaskable field (in_port[0..15]) matches it whole
            mh = f.widthMaskHigh();
        }
        mb.masked128(f, vh, vl, mh, ml);
    }

    // ---- committing edits to the datapath --------------------------------------------------------------

    /** Header fields the datapath can rewrite, checked in this order by {@link #commit}. */
    private static final FlowField[] SETTABLE = {
        FlowField.ETH_SRC, FlowField.ETH_DST, FlowField.IPV4_SRC, FlowField.IPV4_DST, FlowField.IP_TOS,
        FlowField.IP_TTL, FlowField.IPV6_LABEL, FlowField.TP_SRC, FlowField.TP_DST
    };

    /** Emits the datapath actions that make the packet what {@link #flow} says; see the class comment. */
    void commit() {
        long[] b = baseWords();
        long[] f = flow.w;
        if (java.util.Arrays.equals(b, 0, FlowKey.PACKET_WORDS, f, 0, FlowKey.PACKET_WORDS)) {
            return; // no header edit since the last commit (the usual output): nothing to compare field by field
        }
        b = ownBase(); // written below; the same words as before
        if (b[FlowKey.W_VLAN] != f[FlowKey.W_VLAN]) {
            commitVlans(b[FlowKey.W_VLAN], f[FlowKey.W_VLAN]);
        }
        for (FlowField ff : SETTABLE) {
            long v = flow.get(ff);
            if (base.get(ff) != v) {
                out.setField(ff, v);
            }
        }
        int type = flow.ethType();
        boolean arp = type == 0x0806 || type == 0x8035;
        if (arp && base.get(FlowField.ARP_OP) != flow.get(FlowField.ARP_OP)) {
            out.setField(FlowField.ARP_OP, flow.get(FlowField.ARP_OP));
        }
        if (b[FlowKey.W_ARP_SHA] != f[FlowKey.W_ARP_SHA]) {
            out.setField(arp ? FlowField.ARP_SHA : FlowField.ND_SLL, f[FlowKey.W_ARP_SHA]);
        }
        if (b[FlowKey.W_ARP_THA] != f[FlowKey.W_ARP_THA]) {
            out.setField(arp ? FlowField.ARP_THA : FlowField.ND_TLL, f[FlowKey.W_ARP_THA]);
        }
        commit128(FlowField.IPV6_SRC, FlowKey.W_IPV6_SRC);
        commit128(FlowField.IPV6_DST, FlowKey.W_IPV6_DST);
        commit128(FlowField.ND_TARGET, FlowKey.W_ND_TARGET);
        System.arraycopy(f, 0, b, 0, FlowKey.PACKET_WORDS);
    }

    private void commit128(FlowField ff, int word) {
        long[] b = ownBase(); // commit owns it already
        long[] f = flow.w;
        if (b[word] != f[word] || b[word + 1] != f[word + 1]) {
            out.setField(ff, f[word], f[word + 1]);
        }
    }

    /** Pops the base's tags until what is left is the bottom of the flow's tag stack, then pushes the rest. */
    private void commitVlans(long bv, long fv) {
        long[] bt = tags(bv);
        long[] ft = tags(fv);
        if (bt.length == ft.length && bt.length > 0 && (bt.length == 1 || bt[1] == ft[1]) && (bt[0] >>> 16) == (ft[0] >>> 16)) {
            out.setField(FlowField.VLAN0, ft[0]); // same TPID and depth: rewrite the outer TCI in place
            return;
        }
        for (int pops = 0; pops <= bt.length; pops++) {
            int left = bt.length - pops;
            if (left > ft.length) {
                continue;
            }
            boolean suffix = true;
            for (int i = 0; i < left; i++) {
                if (bt[pops + i] != ft[ft.length - left + i]) {
                    suffix = false;
                    break;
                }
            }
            if (suffix) {
                for (int i = 0; i < pops; i++) {
                    out.popVlan();
                }
                for (int i = ft.length - left - 1; i >= 0; i--) {
                    out.pushVlan((int) (ft[i] >>> 16), (int) (ft[i] & 0xffff));
                }
                return;
            }
        }
    }

    private static long[] tags(long vlanWord) {
        long outer = vlanWord >>> 32;
        long inner = vlanWord & 0xffff_ffffL;
        if (outer == 0) {
            return new long[0];
        }
        return inner == 0 ? new long[] {outer} : new long[] {outer, inner};
    }

    /** What a datapath action NORMAL emitted does to the packet, applied to {@link #base}. */
    private void applyToBase(DatapathAction a) {
        long[] b = ownBase();
        switch (a) {
            case DatapathAction.PushVlan p -> {
                long outer = b[FlowKey.W_VLAN] >>> 32;
                b[FlowKey.W_VLAN] = ((long) p.tpid() << 48) | ((long) p.tci() << 32) | outer;
            }
            case DatapathAction.PopVlan _ -> b[FlowKey.W_VLAN] = b[FlowKey.W_VLAN] << 32;
            case DatapathAction.SetField s -> base.set(s.field(), s.value()); // owned: ownBase above
            default -> {
            }
        }
    }
}
