package org.vswitch4j.flow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jctools.queues.atomic.MpscAtomicArrayQueue;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.datapath.Datapath;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.datapath.Pipeline;
import org.vswitch4j.core.datapath.Translation;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.core.key.FlowParser;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketMemory;

/**
 * A bridge's OpenFlow 1.3 pipeline: up to 255 {@link FlowTable}s, groups and meters, deciding for the bridge's
 * ports instead of NORMAL (which stays available as the {@code NORMAL} action), as an Open vSwitch bridge does.
 *
 * <pre>{@code
 * Bridge br = sw.addBridge("br0");
 * FlowPipeline of = FlowPipeline.attach(br, sw.datapath());          // fail-mode standalone: priority=0 NORMAL
 * of.apply(Ofctl.parseFlow("table=0,priority=100,ip,nw_dst=192.0.2.0/24 actions=output:2", ADD));
 * }</pre>
 *
 * <h2>How it decides</h2>
 * The datapath asks on a cache miss ({@link #translate}); the pipeline runs the key through table 0 and onwards
 * (goto-table, resubmit, groups) and answers with datapath actions and the mask of every field it read, so one
 * answer serves every packet that agrees on those fields (a megaflow). {@code Xlate} holds the details.
 *
 * <h2>Changes and caches</h2>
 * {@link #apply(FlowMod)} and its siblings run under the datapath's slow-path lock, so no translation sees half a
 * change; {@link #apply(List)} applies a list of flow mods all or nothing (a bundle). Each change invalidates only
 * the cached decisions it can affect ({@link FlowTable} says which), then waits until no poll thread can use one
 * of them ({@link Datapath#awaitInvalidations}): when the call returns, every packet processed sees the change.
 * Entries live in versioned classifiers: a change is written at the next version and published at once, which is
 * also what keeps a flow added by {@code learn} out of the rest of the translation that learned it.
 *
 * <h2>Counters and timeouts</h2>
 * An entry counts the packet of the upcall that went through it, then what the datapath reports of its megaflows
 * at each revalidation (every 500 ms of switch time by default): counters and idle times lag the traffic by up to
 * that interval, as Open vSwitch's do. Timeouts run on the switch clock, checked at every translation and at
 * {@link #housekeeping} (which {@code Switch.poll()} runs every round in synchronous mode).
 *
 * <p>Thread-safety: every public method may be called from any thread (not from inside a pipeline callback);
 * they take the datapath's slow-path lock.
 */
public final class FlowPipeline implements Pipeline {
    /** Number of tables (0..254). */
    public static final int TABLES = 255;
    /** Default capacity of the packet-in queue. */
    public static final int PACKET_IN_QUEUE = 1024;

    /** What the bridge does with no controller (Open vSwitch's {@code fail_mode}). */
    public enum FailMode {
        /** The bridge starts with {@code priority=0 actions=NORMAL} in table 0, a learning switch. */
        STANDALONE,
        /** The bridge starts with empty tables: everything is dropped until flows are added. */
        SECURE
    }

    /** Counters of one group, as {@code ovs-ofctl dump-group-stats} shows them. */
    public record GroupStats(GroupMod mod, long packets, long bytes, List<long[]> buckets, int refCount,
                             long durationNanos) {
    }

    /** Counters of one meter, as {@code ovs-ofctl meter-stats} shows them: per band {packets, bytes}. */
    public record MeterStats(MeterMod mod, long packetsIn, long bytesIn, List<long[]> bands, int flowCount,
                             long durationNanos) {
    }

    private final Bridge bridge;
    private final Datapath dp;
    private final FailMode failMode;
    private final FlowTable[] tables = new FlowTable[TABLES];
    private final Map<Long, GroupEntry> groups = new HashMap<>();
    private final Map<Long, MeterEntry> meters = new HashMap<>();
    private final Xlate xlate = new Xlate(this);
    private final MpscAtomicArrayQueue<PacketIn> packetIns;
    private final AtomicLong packetInDrops = new AtomicLong();
    private volatile boolean controllerConnected;
    private volatile FlowRemovedListener removedListener;

    // ---- written under the slow-path lock ----
    private long version = 1;
    private long nextEntryId = 1;
    private long nextExpiry = Long.MAX_VALUE;
    /** Tags the current change invalidates. */
    private final TagSet pendingTags = new TagSet();
    private final List<Object[]> pendingRemoved = new ArrayList<>();
    private boolean pendingPublish;
    /** Whether the change being written removed an entry (which the publication then frees). */
    private boolean pendingGc;
    /** 1 + the highest table number created so far: tables past it are all null. */
    private int tablesUsed;
    private long learnFailures;
    private int localPort;

    private FlowPipeline(Bridge bridge, Datapath dp, FailMode failMode, int packetInCapacity) {
        this.bridge = bridge;
        this.dp = dp;
        this.failMode = failMode;
        this.packetIns = new MpscAtomicArrayQueue<>(packetInCapacity);
    }

    /** Attaches a pipeline in fail-mode standalone to {@code bridge}, whose ports are on {@code datapath}. */
    public static FlowPipeline attach(Bridge bridge, Datapath datapath) {
        return attach(bridge, datapath, FailMode.STANDALONE);
    }

    /**
     * Attaches a pipeline to {@code bridge}: from the return on, its tables decide for the bridge's ports.
     *
     * @throws IllegalStateException when the bridge already has a pipeline
     */
    public static FlowPipeline attach(Bridge bridge, Datapath datapath, FailMode failMode) {
        Objects.requireNonNull(bridge, "bridge");
        Objects.requireNonNull(datapath, "datapath");
        Objects.requireNonNull(failMode, "failMode");
        if (bridge.pipeline() != null) {
            throw new IllegalStateException("bridge " + bridge.name() + " already has an OpenFlow pipeline");
        }
        FlowPipeline p = new FlowPipeline(bridge, datapath, failMode, PACKET_IN_QUEUE);
        if (failMode == FailMode.STANDALONE) {
            p.apply(FlowMod.add(0, 0, Match.ANY, Instructions.apply(Action.Output.to(OfPort.NORMAL))));
        }
        bridge.setPipeline(p);
        return p;
    }

    /** Gives the bridge back to NORMAL. The pipeline keeps its tables but decides nothing any more. */
    public void detach() {
        if (bridge.pipeline() == this) {
            bridge.setPipeline(null);
        }
    }

    /** The bridge this pipeline decides for. */
    public Bridge bridge() {
        return bridge;
    }

    /** The fail mode the pipeline was attached with. */
    public FailMode failMode() {
        return failMode;
    }

    /**
     * Names the port that OpenFlow's {@code LOCAL} means (Open vSwitch's internal port named like the bridge);
     * 0: none, and outputs to LOCAL send nothing.
     */
    public void setLocalPort(int ofport) {
        dp.withSlowPathLock(() -> {
            localPort = ofport;
            pendingTags.add(0L);
            flushInvalidationsLocked(true);
        });
        dp.awaitInvalidations();
    }

    /** Tells the pipeline whether a controller listens (dec_ttl sends expired packets to it only then). */
    public void setControllerConnected(boolean connected) {
        dp.withSlowPathLock(() -> {
            controllerConnected = connected;
            flushInvalidationsLocked(true);
        });
        dp.awaitInvalidations();
    }

    /** Sets the listener told of removed entries that have {@code send_flow_rem}; null for none. */
    public void setFlowRemovedListener(FlowRemovedListener listener) {
        removedListener = listener;
    }

    // ================================ modifications ================================

    /**
     * Applies one flow mod; see {@link FlowMod.Command} for each command's meaning.
     *
     * @throws FlowModException with the OpenFlow error when the mod is refused (nothing changed then)
     */
    public void apply(FlowMod mod) {
        apply(List.of(mod));
    }

    /**
     * Applies {@code mods} in order as one change (an OpenFlow bundle): if one is refused, none takes effect, and
     * no packet sees some of them without the others.
     *
     * @throws FlowModException with the first refused mod's OpenFlow error
     */
    public void apply(List<FlowMod> mods) {
        List<FlowMod> copy = List.copyOf(mods);
        change(now -> {
            int n = copy.size();
            for (int g = 0; g < n; g += GROUP) {
                int end = Math.min(n, g + GROUP);
                for (int i = g; i < end; i++) {
                    touchInstructions(copy.get(i));
                }
                for (int i = g; i < end; i++) {
                    validateLocked(copy.get(i));
                }
            }
            Undo undo = new Undo();
            try {
                for (int g = 0; g < n; g += GROUP) {
                    int end = Math.min(n, g + GROUP);
                    for (int i = g; i < end; i++) {
                        touchMatch(copy.get(i));
                    }
                    for (int i = g; i < end; i++) {
                        touchTable(copy.get(i));
                    }
                    for (int i = g; i < end; i++) {
                        applyLocked(copy.get(i), now, undo);
                    }
                }
            } catch (RuntimeException e) {
                undo.rollback(this);
                throw e;
            }
        });
    }

    /**
     * A bundle is validated and applied in groups of this many mods, each group first read ({@link #touchMatch}
     * and the like) without depending on anything else, then worked on: see {@link #touchInstructions} for why.
     */
    private static final int GROUP = 16;
    /** Where the touches leave what they read, so that the reads are not optimised away. */
    private long touched;
    /** The instructions flow entries hold: equal ones as one object (see there why). Under the write lock. */
    private final SharedInstructions sharedInstructions = new SharedInstructions();

    /**
     * Reads what validating and adding {@code m} read first of its instructions (the list and its first action).
     *
     * <p>Why touch at all: a bundle's mods were decoded (or parsed) long before it is committed and are often out
     * of cache, and an add is a chain of dependent reads (the mod, its match, its value words, the table's slots for
     * them, ...), each of which then waits for memory in turn. Reads of a group of mods that depend on nothing but
     * the mod let the processor have all of their misses under way at once; what the work on each mod then reads is
     * in cache. Changes nothing.
     */
    private void touchInstructions(FlowMod m) {
        List<Action> a = m.instructions().applyActions();
        if (!a.isEmpty()) {
            touched += a.get(0) instanceof Action.Output o ? o.port() : 1; // the action's header and first field
        }
    }

    /** Reads {@code m}'s match value words (one per cache line, about); see {@link #touchInstructions}. */
    private void touchMatch(FlowMod m) {
        long[] v = m.match().valueWords();
        touched += v[0] + v[v.length >> 2] + v[v.length >> 1] + v[v.length - 1];
    }

    /**
     * Reads the table slots an add or strict find of {@code m} starts at ({@link FlowTable#touch}); after
     * {@link #touchMatch}, whose words it hashes.
     */
    private void touchTable(FlowMod m) {
        if (m.table() >= 0 && m.table() < TABLES && tables[m.table()] != null) {
            touched += tables[m.table()].touch(m.match());
        }
    }

    /**
     * Runs {@code body} (given the switch time) under the slow-path lock and publishes what it changed; then,
     * outside the lock, waits until no poll thread can use a decision it invalidated and tells the flow-removed
     * listener. A body that throws must leave nothing changed; its exception is rethrown.
     */
    private void change(java.util.function.LongConsumer body) {
        ChangeResult r = new ChangeResult();
        dp.withSlowPathLock(() -> {
            try {
                body.accept(dp.clock().nanos());
                publishLocked();
                r.removed = takeRemovedLocked(); // in the same lock round: a second one per change cost as much
            } catch (RuntimeException e) {
                r.failure = e;
                pendingRemoved.clear();
            }
        });
        if (r.failure != null) {
            throw r.failure;
        }
        dp.awaitInvalidations();
        deliver(r.removed);
    }

    /** What a change's locked part hands to the unlocked rest. */
    private static final class ChangeResult {
        RuntimeException failure;
        List<Object[]> removed;
    }

    /**
     * Applies a group mod. Deleting a group deletes the flows that use it (OpenFlow 1.3).
     *
     * @throws FlowModException when refused: {@code GROUP_EXISTS}, {@code UNKNOWN_GROUP}, a bucket that
     *                          names a missing group ({@code CHAINING_UNSUPPORTED} is not raised: chaining works)
     */
    public void apply(GroupMod mod) {
        Objects.requireNonNull(mod, "mod");
        change(now -> {
            switch (mod.command()) {
                case ADD -> {
                    if (groups.containsKey(mod.groupId())) {
                        throw new FlowModException(OfpError.GROUP_MOD_FAILED_GROUP_EXISTS, "group " + mod.groupId()
                                + " exists; use mod-group to change it");
                    }
                    checkBuckets(mod);
                    groups.put(mod.groupId(), new GroupEntry(mod, now));
                }
                case MODIFY -> {
                    GroupEntry g = groups.get(mod.groupId());
                    if (g == null) {
                        throw new FlowModException(OfpError.GROUP_MOD_FAILED_UNKNOWN_GROUP, "there is no group "
                                + mod.groupId() + " to modify");
                    }
                    checkBuckets(mod);
                    g.set(mod);
                }
                case DELETE -> {
                    List<Long> ids = mod.groupId() == GroupMod.ALL ? new ArrayList<>(groups.keySet())
                            : List.of(mod.groupId());
                    for (long id : ids) {
                        if (groups.remove(id) != null) {
                            deleteFlowsUsing(id, -1, now);
                        }
                    }
                }
            }
            pendingTags.add(FlowTable.groupTag(mod.groupId()));
            if (mod.groupId() == GroupMod.ALL) {
                pendingTags.add(0L);
            }
        });
    }

    private void checkBuckets(GroupMod mod) {
        for (GroupMod.Bucket b : mod.buckets()) {
            ActionSet.check(b.actions());
            for (Action a : b.actions()) {
                if (a instanceof Action.Group g && (g.groupId() == mod.groupId() || !groups.containsKey(g.groupId()))) {
                    throw new FlowModException(g.groupId() == mod.groupId() ? OfpError.GROUP_MOD_FAILED_LOOP
                            : OfpError.GROUP_MOD_FAILED_UNKNOWN_GROUP, "a bucket of group " + mod.groupId()
                            + " names group " + g.groupId() + (g.groupId() == mod.groupId() ? ", itself" : ", which does not exist"));
                }
            }
        }
    }

    /**
     * Applies a meter mod. Deleting a meter deletes the flows that use it (OpenFlow 1.3).
     *
     * @throws FlowModException when refused: {@code METER_EXISTS}, {@code UNKNOWN_METER}
     */
    public void apply(MeterMod mod) {
        Objects.requireNonNull(mod, "mod");
        change(now -> {
            switch (mod.command()) {
                case ADD -> {
                    if (meters.containsKey(mod.meterId())) {
                        throw new FlowModException(OfpError.METER_MOD_FAILED_METER_EXISTS, "meter " + mod.meterId()
                                + " exists; use mod-meter to change it");
                    }
                    meters.put(mod.meterId(), new MeterEntry(mod, now));
                }
                case MODIFY -> {
                    MeterEntry old = meters.get(mod.meterId());
                    if (old == null) {
                        throw new FlowModException(OfpError.METER_MOD_FAILED_UNKNOWN_METER, "there is no meter "
                                + mod.meterId() + " to modify");
                    }
                    MeterEntry m = new MeterEntry(mod, now);
                    m.flowCount = old.flowCount;
                    meters.put(mod.meterId(), m);
                }
                case DELETE -> {
                    List<Long> ids = mod.meterId() == MeterMod.ALL ? new ArrayList<>(meters.keySet())
                            : List.of(mod.meterId());
                    for (long id : ids) {
                        if (meters.remove(id) != null) {
                            deleteFlowsUsing(-1, id, now);
                        }
                    }
                }
            }
            pendingTags.add(FlowTable.meterTag(mod.meterId()));
            if (mod.meterId() == MeterMod.ALL) {
                pendingTags.add(0L);
            }
        });
    }

    // ---- flow mods, under the slow-path lock ----

    /** Checks what can be checked before changing anything: tables, goto, groups, meters, the action set. */
    private void validateLocked(FlowMod m) {
        if (m.command() == FlowMod.Command.DELETE || m.command() == FlowMod.Command.DELETE_STRICT) {
            return;
        }
        if (m.table() >= TABLES) {
            throw new FlowModException(OfpError.FLOW_MOD_FAILED_BAD_TABLE_ID, "table " + m.table()
                    + " is outside 0..254");
        }
        Instructions in = m.instructions();
        if (in.gotoTable() >= 0 && in.gotoTable() <= m.table()) {
            throw new FlowModException(OfpError.BAD_INSTRUCTION_BAD_TABLE_ID, "goto_table:" + in.gotoTable()
                    + " in table " + m.table() + " must go to a later table (" + (m.table() + 1) + "..254)");
        }
        if (in.meterId() != 0 && !meters.containsKey(in.meterId())) {
            throw new FlowModException(OfpError.METER_MOD_FAILED_UNKNOWN_METER, "meter:" + in.meterId()
                    + " names a meter that does not exist (add-meter first)");
        }
        if (in.writeActions() != null) {
            ActionSet.check(in.writeActions());
            checkActions(m, in.writeActions());
        }
        checkActions(m, in.applyActions());
        boolean conj = false;
        boolean other = false;
        List<Action> apply = in.applyActions();
        for (int i = 0, n = apply.size(); i < n; i++) { // indexed: the iterator would be allocated per mod
            Action a = apply.get(i);
            if (a instanceof Action.Conjunction) {
                conj = true;
            } else if (!(a instanceof Action.Note)) {
                other = true;
            }
        }
        if (conj && (other || in.writeActions() != null || in.gotoTable() >= 0 || in.meterId() != 0
                || in.metadataMask() != 0 || m.match().conjId() >= 0)) {
            throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "a flow with conjunction actions may have"
                    + " no other action or instruction (and no conj_id match): it only says which clause it is");
        }
    }

    private void checkActions(FlowMod m, List<Action> actions) {
        for (int i = 0, n = actions.size(); i < n; i++) { // indexed, as in validateLocked
            Action a = actions.get(i);
            switch (a) {
                case Action.Group g -> {
                    if (!groups.containsKey(g.groupId())) {
                        throw new FlowModException(OfpError.BAD_ACTION_BAD_OUT_GROUP, "group:" + g.groupId()
                                + " names a group that does not exist (add-group first)");
                    }
                }
                case Action.SetField s -> checkPrereq(m, s.field());
                case Action.Load l -> checkPrereq(m, l.dst().field());
                case Action.Move mv -> {
                    checkPrereq(m, mv.src().field());
                    checkPrereq(m, mv.dst().field());
                }
                case Action.Multipath mp -> checkPrereq(m, mp.dst().field());
                case Action.CheckPktLarger c -> checkPrereq(m, c.dst().field());
                case Action.Bundle b -> {
                    if (b.dst() != null) {
                        checkPrereq(m, b.dst().field());
                    }
                }
                case Action.StackPush sp -> checkPrereq(m, sp.src().field());
                case Action.StackPop sp -> checkPrereq(m, sp.dst().field());
                case Action.Resubmit r -> {
                    if (r.table() >= TABLES) {
                        throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "resubmit table " + r.table());
                    }
                }
                case Action.Clone c -> checkActions(m, c.actions()); // as Open vSwitch checks a clone's actions
                default -> {
                }
            }
        }
    }

    /** A set-field, load or move of a field needs the field's prerequisites in the flow's match (OpenFlow). */
    private static void checkPrereq(FlowMod m, MatchField f) {
        if (f.prereq() == MatchField.Prereq.NONE || f.prereq() == MatchField.Prereq.VLAN) {
            return; // VLAN fields of an untagged packet are handled at run time (push first, or nothing happens)
        }
        Match.Builder b = Match.Builder.from(m.match());
        if (!b.has(f)) {
            b.masked128(f, 0, 0, f.widthMaskHigh(), f.widthMaskLow());
        }
        try {
            b.build();
        } catch (FlowModException e) {
            throw new FlowModException(OfpError.BAD_ACTION_MATCH_INCONSISTENT, "an action writes or reads " + f.ovsName()
                    + " but the match does not guarantee the packet has it: " + e.getMessage());
        }
    }

    /** Table {@code id}, created empty on first use. Under the slow-path lock. */
    FlowTable tableLocked(int id) {
        FlowTable t = tables[id];
        if (t == null) {
            t = new FlowTable(id);
            tables[id] = t;
            tablesUsed = Math.max(tablesUsed, id + 1);
        }
        return t;
    }

    private void applyLocked(FlowMod m, long now, Undo undo) {
        switch (m.command()) {
            case ADD -> add(m, now, undo, null);
            case MODIFY, MODIFY_STRICT -> {
                for (FlowEntry e : select(m, m.command() == FlowMod.Command.MODIFY_STRICT)) {
                    undo.modified(e);
                    boolean reset = m.flags().contains(FlowFlag.RESET_COUNTS);
                    Set<FlowFlag> keepFlags = e.flags;
                    int idle = e.idleTimeout;
                    int hard = e.hardTimeout;
                    long cookie = e.cookie;
                    countRefs(e, -1);
                    e.set(new FlowMod(FlowMod.Command.ADD, e.table, e.priority, e.match, m.instructions(), cookie, 0,
                            idle, hard, e.importance, keepFlags, OfPort.ANY, FlowMod.ANY_GROUP),
                            sharedInstructions.share(m.instructions()), now);
                    e.usedNanos = Math.max(e.usedNanos, now);
                    countRefs(e, 1);
                    if (reset) {
                        e.packets = 0;
                        e.bytes = 0;
                    }
                    pendingTags.add(e.entryTag);
                    limitTagIfCounted(e); // a modify may make it differ from (or equal) the flow a learn makes
                }
            }
            case DELETE, DELETE_STRICT -> {
                for (FlowEntry e : select(m, m.command() == FlowMod.Command.DELETE_STRICT)) {
                    removeLocked(e, FlowRemovedListener.Reason.DELETE, now, undo);
                }
            }
        }
    }

    /** The entries a modify or delete applies to: strict = same match and priority; else covered by the match. */
    private List<FlowEntry> select(FlowMod m, boolean strict) {
        List<FlowEntry> r = new ArrayList<>();
        int from = m.table() == FlowMod.ALL_TABLES ? 0 : m.table();
        int to = m.table() == FlowMod.ALL_TABLES ? TABLES - 1 : m.table();
        for (int t = from; t <= to; t++) {
            FlowTable tb = tables[t];
            if (tb == null) {
                continue;
            }
            if (strict) {
                FlowEntry e = tb.findExact(m.match(), m.priority(), pendingVersion());
                if (e != null && cookieMatches(e, m) && e.outputsTo(m.outPort(), m.outGroup())) {
                    r.add(e);
                }
                continue;
            }
            for (FlowEntry e : tb.entries(pendingVersion())) {
                if (m.match().covers(e.match) && cookieMatches(e, m) && e.outputsTo(m.outPort(), m.outGroup())) {
                    r.add(e);
                }
            }
        }
        r.sort(Comparator.comparingLong(e -> e.id));
        return r;
    }

    private static boolean cookieMatches(FlowEntry e, FlowMod m) {
        return ((e.cookie ^ m.cookie()) & m.cookieMask()) == 0;
    }

    /** Adds (or replaces the identical entry); returns the new entry. */
    private FlowEntry add(FlowMod m, long now, Undo undo, FlowEntry learner) {
        FlowTable tb = tableLocked(m.table());
        if (m.flags().contains(FlowFlag.CHECK_OVERLAP)) {
            // Against the table as this change has left it so far (earlier mods of a bundle included).
            for (FlowEntry e : tb.entries(pendingVersion())) {
                if (e.priority == m.priority() && !e.match.equals(m.match()) && e.match.overlaps(m.match())) {
                    throw new FlowModException(OfpError.FLOW_MOD_FAILED_OVERLAP, "check_overlap: the flow overlaps"
                            + " an entry of the same priority in table " + m.table() + ": " + e.match);
                }
            }
        }
        FlowEntry old = tb.findExact(m.match(), m.priority(), pendingVersion());
        if (old != null) {
            removeLocked(old, null, now, undo); // replaced: no flow-removed message (OpenFlow)
        }
        FlowEntry e = new FlowEntry(nextEntryId++, m, sharedInstructions.share(m.instructions()), now);
        e.learnedBy = learner;
        tb.insert(e, version + 1);
        pendingPublish = true;
        countRefs(e, 1);
        limitTagIfCounted(e);
        if (undo != null) {
            undo.added(e);
        }
        if (m.match().conjId() >= 0) {
            pendingTags.add(FlowTable.conjTag(m.table(), m.match().conjId())); // decisions that completed it
        } else {
            // Decisions that went to a lower priority of this table, or missed it, may now go to e; a clause
            // flow may also complete a conjunction at its own priority.
            pendingTags.add(FlowTable.missTag(m.table()));
            int below = tb.prioritiesBelow(m.priority());
            if (below > TagSet.LIMIT) {
                pendingTags.addAll(); // more decisions than are worth naming one by one
            } else {
                for (int i = 0; i < below; i++) {
                    pendingTags.add(FlowTable.priorityTag(m.table(), tb.priorityAt(i)));
                }
            }
            if (!e.conjunctions.isEmpty()) {
                pendingTags.add(FlowTable.priorityTag(m.table(), m.priority()));
            }
        }
        nextExpiry = Math.min(nextExpiry, e.deadline());
        return e;
    }

    private void removeLocked(FlowEntry e, FlowRemovedListener.Reason reason, long now, Undo undo) {
        if (e.removed) {
            return;
        }
        tables[e.table].remove(e, version + 1);
        pendingPublish = true;
        pendingGc = true;
        countRefs(e, -1);
        pendingTags.add(e.entryTag);
        limitTagIfCounted(e);
        if (undo != null) {
            undo.removed(e);
        }
        if (reason != null && e.flags.contains(FlowFlag.SEND_FLOW_REM)) {
            pendingRemoved.add(new Object[] {e.stats(now), reason});
        }
        if (e.learned != null) {
            for (FlowEntry l : new ArrayList<>(e.learned)) {
                removeLocked(l, reason == null ? null : FlowRemovedListener.Reason.DELETE, now, undo);
            }
        }
        if (e.learnedBy != null && e.learnedBy.learned != null) {
            e.learnedBy.learned.remove(e);
        }
    }

    private void countRefs(FlowEntry e, int delta) {
        Instructions in = e.instructions;
        if (in.meterId() != 0) {
            MeterEntry m = meters.get(in.meterId());
            if (m != null) {
                m.flowCount += delta;
            }
        }
        refGroups(in.applyActions(), delta);
        if (in.writeActions() != null) {
            refGroups(in.writeActions(), delta);
        }
    }

    private void refGroups(List<Action> actions, int delta) {
        for (int i = 0, n = actions.size(); i < n; i++) { // indexed, as in validateLocked
            Action a = actions.get(i);
            if (a instanceof Action.Group g) {
                GroupEntry ge = groups.get(g.groupId());
                if (ge != null) {
                    ge.refCount += delta;
                }
            } else if (a instanceof Action.Clone c) {
                refGroups(c.actions(), delta);
            }
        }
    }

    private void deleteFlowsUsing(long group, long meter, long now) {
        FlowRemovedListener.Reason reason = group >= 0 ? FlowRemovedListener.Reason.GROUP_DELETE
                : FlowRemovedListener.Reason.METER_DELETE;
        for (FlowTable tb : tables) {
            if (tb == null) {
                continue;
            }
            for (FlowEntry e : tb.entries(version)) {
                boolean uses = group >= 0 ? e.outputsTo(OfPort.ANY, group) : e.instructions.meterId() == meter;
                if (uses) {
                    removeLocked(e, reason, now, null);
                }
            }
        }
    }

    /**
     * The tables as the change being written leaves them so far: what it added is there, what it removed is gone.
     * Writers look entries up here, so a change sees its own earlier writes (a bundle that adds a flow twice, a
     * packet that learns the same flow in two tables: one entry, not two with one match and priority).
     */
    private long pendingVersion() {
        return version + 1;
    }

    /** Makes what the current change wrote visible, frees what it removed, and invalidates its tags. */
    private void publishLocked() {
        if (pendingPublish) {
            version++;
            pendingPublish = false;
            if (pendingGc) { // only a removal leaves something to free (an add-only change skips the tables)
                pendingGc = false;
                for (int t = 0; t < tablesUsed; t++) {
                    FlowTable tb = tables[t];
                    if (tb != null) {
                        tb.gc(version);
                    }
                }
            }
        }
        flushInvalidationsLocked(false);
    }

    private void flushInvalidationsLocked(boolean all) {
        if (all || pendingTags.all()) {
            dp.invalidateAll(); // a change too broad to name decision by decision
        } else {
            dp.invalidate(pendingTags.array(), pendingTags.size()); // one publication for the change's tags
        }
        pendingTags.clear();
    }

    /**
     * Tells the listener of entries removed so far, outside the lock. Removals by expiry inside a translation
     * (on a poll thread) are told at the next change, dump or housekeeping.
     */
    private void deliverRemoved() {
        List<List<Object[]>> events = new ArrayList<>(1);
        dp.withSlowPathLock(() -> events.add(takeRemovedLocked()));
        deliver(events.get(0));
    }

    /** The flow-removed events collected so far (null when none), emptying the collection. */
    private List<Object[]> takeRemovedLocked() {
        if (pendingRemoved.isEmpty()) {
            return null;
        }
        List<Object[]> events = new ArrayList<>(pendingRemoved);
        pendingRemoved.clear();
        return events;
    }

    /** Tells the listener of {@code events} (null: none). Outside the lock. */
    private void deliver(List<Object[]> events) {
        if (events == null) {
            return;
        }
        FlowRemovedListener l = removedListener;
        if (l != null) {
            for (Object[] ev : events) {
                l.flowRemoved((FlowStats) ev[0], (FlowRemovedListener.Reason) ev[1]);
            }
        }
    }

    /**
     * What a failed bundle must put back. The lists are made on first use: most changes are one add, which needs
     * one list of one entry (or, for a single mod, not even that: see {@link #apply(List)}).
     */
    private static final class Undo {
        private static final List<FlowEntry> NONE = List.of();
        private List<FlowEntry> added = NONE;
        private List<FlowEntry> removed = NONE;
        private Map<FlowEntry, Object[]> modified = Map.of();

        void added(FlowEntry e) {
            if (added == NONE) {
                added = new ArrayList<>();
            }
            added.add(e);
        }

        void removed(FlowEntry e) {
            if (removed == NONE) {
                removed = new ArrayList<>();
            }
            removed.add(e);
        }

        void modified(FlowEntry e) {
            if (modified.isEmpty()) {
                modified = new LinkedHashMap<>();
            }
            modified.putIfAbsent(e, new Object[] {e.toFlowMod(), e.modifiedNanos, e.usedNanos, e.packets, e.bytes});
        }

        void rollback(FlowPipeline p) {
            long v = p.version + 1;
            for (FlowEntry e : added) {
                if (!e.removed) {
                    p.tables[e.table].remove(e, v);
                    p.pendingGc = true;
                    p.countRefs(e, -1);
                }
            }
            java.util.Set<FlowEntry> addedSet = added.size() > 8
                    ? java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()) : null;
            if (addedSet != null) {
                addedSet.addAll(added);
            }
            for (FlowEntry e : removed) {
                if (!(addedSet != null ? addedSet.contains(e) : added.contains(e))) {
                    e.removed = false;
                    p.tables[e.table].insert(e, v);
                    p.countRefs(e, 1);
                }
            }
            for (Map.Entry<FlowEntry, Object[]> me : modified.entrySet()) {
                FlowEntry e = me.getKey();
                Object[] s = me.getValue();
                p.countRefs(e, -1);
                e.set((FlowMod) s[0], ((FlowMod) s[0]).instructions(), (long) s[1]); // the entry's own, from before
                e.usedNanos = (long) s[2];
                e.packets = (long) s[3];
                e.bytes = (long) s[4];
                p.countRefs(e, 1);
            }
            p.pendingTags.clear();
            p.pendingPublish = true;
            p.publishLocked();
        }
    }

    // ================================ learn ================================

    /** Fires {@link FlowTable#limitTag} for {@code e}'s table and cookie when a learn limit counts that cookie. */
    private void limitTagIfCounted(FlowEntry e) {
        if (tables[e.table].countsCookie(e.cookie)) {
            pendingTags.add(FlowTable.limitTag(e.table, e.cookie));
        }
    }

    /** The entry {@code learned} would refresh rather than add (same match, priority, actions, cookie, timeouts), or null. */
    private FlowEntry sameLearned(FlowTable tb, FlowMod learned) {
        FlowEntry old = tb.findExact(learned.match(), learned.priority(), pendingVersion());
        return old != null && old.instructions.equals(learned.instructions()) && old.cookie == learned.cookie()
                && old.idleTimeout == learned.idleTimeout() && old.hardTimeout == learned.hardTimeout() ? old : null;
    }

    /** Whether {@code spec}'s limit stops {@code learned} (which is not there already) now. */
    private boolean overLimit(FlowTable tb, FlowMod learned, LearnSpec spec) {
        return spec.limit() > 0 && tb.cookieCount(learned.cookie(), pendingVersion()) >= spec.limit();
    }

    /**
     * Called by a translation's learn action, under the slow-path lock: add or refresh {@code learned}; returns
     * whether it did (false: the spec's limit stopped it), what {@code result_dst} receives.
     */
    boolean learnLocked(FlowMod learned, FlowEntry learner, LearnSpec spec, long now) {
        FlowTable tb = tableLocked(learned.table());
        FlowEntry old = sameLearned(tb, learned);
        if (old != null) {
            old.usedNanos = now;     // the same flow learned again: its timeouts start over, nothing else changes
            old.modifiedNanos = now;
            nextExpiry = Math.min(nextExpiry, old.deadline());
            return true;
        }
        if (overLimit(tb, learned, spec)) {
            learnFailures++;
            return false;
        }
        FlowEntry e = add(learned, now, null, learner);
        if (learner != null && spec.deleteLearned()) {
            if (learner.learned == null) {
                learner.learned = new ArrayList<>();
            }
            learner.learned.add(e);
        }
        // Visible to the next packet, not to the rest of this translation: published when translate returns.
        return true;
    }

    /**
     * What {@link #learnLocked} would return now, without learning: for a translation that must not learn (a
     * revalidation of a megaflow no packet used) but whose actions depend on the outcome ({@code result_dst}).
     */
    boolean learnWouldSucceedLocked(FlowMod learned, LearnSpec spec) {
        FlowTable tb = tableLocked(learned.table());
        return sameLearned(tb, learned) != null || !overLimit(tb, learned, spec);
    }

    /** fin_timeout's effect (under the slow-path lock): each nonzero timeout only ever gets shorter. */
    void reduceTimeoutsLocked(FlowEntry e, int idle, int hard) {
        if (idle != 0 && (e.idleTimeout == 0 || e.idleTimeout > idle)) {
            e.idleTimeout = idle;
        }
        if (hard != 0 && (e.hardTimeout == 0 || e.hardTimeout > hard)) {
            e.hardTimeout = hard;
        }
        nextExpiry = Math.min(nextExpiry, e.deadline());
    }

    void learnFailed(FlowModException e) {
        learnFailures++;
    }

    /** Learn actions that could not add their flow (a learned match without its prerequisites, a limit). */
    public long learnFailures() {
        return learnFailures;
    }

    // ================================ translation ================================

    @Override
    public DatapathActions translate(FlowKey key, FlowMask mask, Translation tx) {
        expireLocked(tx.nowNanos());
        DatapathActions acts = xlate.run(key, mask, tx, version, true, null);
        tx.setMemo(xlate.memo());
        if (pendingPublish || !pendingTags.isEmpty()) {
            publishLocked(); // flows learned by this translation: visible from the next packet on
        }
        return acts;
    }

    /**
     * Revalidation of a used megaflow without translating again, as Open vSwitch's revalidators push statistics
     * through their xlate cache: when the decision's translation left a {@link Memo} (its only side effects were
     * counting lookups and matches), the use is counted into the same tables and entries, and the entries' idle
     * times restart, as a revalidating translation would do. The decision itself stands because everything it
     * read is tagged (entries, priorities, misses, meters) or changes only with an invalidate-all (local port,
     * controller connection) or a datapath reconfiguration (ports): a change the translation would see has
     * already dropped the megaflow. Entries due to expire first: re-translate (which expires them). Allocates
     * nothing.
     */
    @Override
    public boolean refresh(FlowKey key, FlowMask mask, Translation tx) {
        long now = tx.nowNanos();
        if (!(tx.memo() instanceof Memo m) || now >= nextExpiry) {
            return false;
        }
        long packets = tx.usedPackets();
        long bytes = tx.usedBytes();
        Object[] steps = m.steps;
        for (int i = 0; i < steps.length; i += 2) {
            FlowTable tb = (FlowTable) steps[i];
            FlowEntry e = (FlowEntry) steps[i + 1];
            tb.lookups += packets;
            if (e != null) {
                tb.matches += packets;
                e.packets += packets;
                e.bytes += bytes;
                if (packets > 0) {
                    e.usedNanos = now;
                }
            }
        }
        return true;
    }

    /**
     * What a translation counted, for {@link #refresh}: per table lookup, the table and the entry it matched (null:
     * a miss), as pairs in one array (one allocation per translation, not two). Immutable once handed to the
     * datapath.
     */
    static final class Memo {
        /** table 0, entry 0 (or null), table 1, entry 1, ... */
        private final Object[] steps;

        Memo(Object[] steps) {
            this.steps = steps;
        }

        /** The number of table lookups. */
        int size() {
            return steps.length / 2;
        }

        FlowTable table(int i) {
            return (FlowTable) steps[2 * i];
        }

        /** The entry lookup {@code i} matched, or null for a miss. */
        FlowEntry entry(int i) {
            return (FlowEntry) steps[2 * i + 1];
        }
    }

    @Override
    public void housekeeping(long nowNanos) {
        if (nowNanos < nextExpiry) {
            return;
        }
        dp.withSlowPathLock(() -> expireLocked(nowNanos));
        deliverRemoved();
    }

    private void expireLocked(long now) {
        if (now < nextExpiry) {
            return;
        }
        long next = Long.MAX_VALUE;
        for (FlowTable tb : tables) {
            if (tb == null) {
                continue;
            }
            for (FlowEntry e : tb.entries(version)) {
                long d = e.deadline();
                if (d <= now) {
                    boolean hard = e.hardTimeout > 0 && e.modifiedNanos + e.hardTimeout * 1_000_000_000L <= now;
                    removeLocked(e, hard ? FlowRemovedListener.Reason.HARD_TIMEOUT
                            : FlowRemovedListener.Reason.IDLE_TIMEOUT, now, null);
                } else {
                    next = Math.min(next, d);
                }
            }
        }
        nextExpiry = next;
        publishLocked();
    }

    /**
     * Traces {@code key} through the tables, as {@code ovs-appctl ofproto/trace} does, without side effects.
     * In_port is the OpenFlow port number (= the datapath port number).
     */
    public Trace trace(FlowKey key) {
        Objects.requireNonNull(key, "key");
        Trace[] result = new Trace[1];
        dp.withSlowPathLock(() -> {
            FlowMask m = new FlowMask();
            m.exact(org.vswitch4j.core.key.FlowField.IN_PORT);
            Trace.Recorder rec = new Trace.Recorder();
            long now = dp.clock().nanos();
            DatapathActions acts = xlate.run(key, m, new TraceTranslation(now), version, false, rec);
            FlowKey fin = xlate.flow.copy();
            StringBuilder sb = new StringBuilder();
            sb.append("Flow: ").append(describe(key)).append("\n\nbridge(\"").append(bridge.name()).append("\")\n")
                    .append("-".repeat(bridge.name().length() + 10)).append('\n').append(rec.text)
                    .append("\nFinal flow: ").append(fin.equals(key) ? "unchanged" : describe(fin))
                    .append("\nMegaflow: ").append(megaflowText(key, m)).append("\nDatapath actions: ")
                    .append(acts.size() == 0 ? "drop" : acts.toString()).append('\n');
            result[0] = new Trace(key.copy(), List.copyOf(rec.steps), acts, m, sb.toString(), fin);
        });
        return result[0];
    }

    /**
     * Traces the packet {@code frame} (an Ethernet frame without FCS) arriving on OpenFlow port {@code inPort}, as
     * {@code ovs-appctl ofproto/trace BRIDGE in_port=N PACKET} does: the frame is parsed exactly as the datapath
     * parses it (in a scratch buffer of the datapath's memory), then traced as {@link #trace(FlowKey)}.
     *
     * @throws IllegalArgumentException when the frame is larger than a buffer of the datapath's memory
     * @throws IllegalStateException    when that memory has no free buffer
     */
    public Trace trace(int inPort, byte[] frame) {
        return trace(keyOf(dp.memory(), inPort, frame));
    }

    /** The flow key the datapath extracts from {@code frame} arriving on port {@code inPort}. */
    static FlowKey keyOf(PacketMemory memory, int inPort, byte[] frame) {
        Objects.requireNonNull(frame, "frame");
        int room = memory.bufferSize() - memory.headroom();
        if (frame.length > room) {
            throw new IllegalArgumentException("a " + frame.length + "-byte frame does not fit a buffer of the"
                    + " datapath's memory (at most " + room + " bytes)");
        }
        long h = memory.allocate();
        if (h < 0) {
            throw new IllegalStateException("the datapath's memory has no free buffer to parse the frame in");
        }
        try {
            Packet p = new Packet().bind(memory, h, memory.headroom(), frame.length);
            p.write(0, frame, 0, frame.length);
            FlowKey k = new FlowKey();
            FlowParser.parse(p, k);
            k.inPort(inPort);
            return k;
        } finally {
            memory.release(h);
        }
    }

    /** A packet's key as an {@code ovs-ofctl} flow: every field the packet has, exactly. */
    static String describe(FlowKey key) {
        long[] w = key.w;
        Match.Builder b = Match.builder();
        // The pipeline's own fields when set (a final flow's), as ofproto/trace shows them.
        if (w[FlowKey.W_METADATA] != 0) {
            b.exact(MatchField.METADATA, w[FlowKey.W_METADATA]);
        }
        for (int i = 0; i < 16; i++) {
            MatchField reg = MatchField.values()[MatchField.REG0.ordinal() + i];
            long v = reg.readLow(w);
            if (v != 0) {
                b.exact(reg, v);
            }
        }
        b.exact(MatchField.IN_PORT, key.inPort());
        b.exact(MatchField.ETH_SRC, key.ethSrc());
        b.exact(MatchField.ETH_DST, key.ethDst());
        if ((w[FlowKey.W_VLAN] >>> 48) != 0) {
            b.exact(MatchField.VLAN_TCI, MatchField.VLAN_TCI.readLow(w));
        }
        int type = key.ethType();
        b.exact(MatchField.ETH_TYPE, type);
        if (type == 0x0800 || type == 0x86dd) {
            if (type == 0x0800) {
                b.exact(MatchField.IPV4_SRC, MatchField.IPV4_SRC.readLow(w));
                b.exact(MatchField.IPV4_DST, MatchField.IPV4_DST.readLow(w));
            } else {
                b.masked128(MatchField.IPV6_SRC, w[FlowKey.W_IPV6_SRC], w[FlowKey.W_IPV6_SRC + 1], -1L, -1L);
                b.masked128(MatchField.IPV6_DST, w[FlowKey.W_IPV6_DST], w[FlowKey.W_IPV6_DST + 1], -1L, -1L);
            }
            int proto = (int) MatchField.IP_PROTO.readLow(w);
            b.exact(MatchField.IP_PROTO, proto);
            b.exact(MatchField.IP_DSCP, MatchField.IP_DSCP.readLow(w));
            b.exact(MatchField.NW_TTL, MatchField.NW_TTL.readLow(w));
            MatchField src = switch (proto) {
                case 6 -> MatchField.TCP_SRC;
                case 17 -> MatchField.UDP_SRC;
                case 132 -> MatchField.SCTP_SRC;
                default -> null;
            };
            if (src != null) {
                MatchField dst = MatchField.values()[src.ordinal() + 1];
                b.exact(src, src.readLow(w));
                b.exact(dst, dst.readLow(w));
            } else if (proto == 1 && type == 0x0800) {
                b.exact(MatchField.ICMPV4_TYPE, MatchField.ICMPV4_TYPE.readLow(w) & 0xff);
                b.exact(MatchField.ICMPV4_CODE, MatchField.ICMPV4_CODE.readLow(w) & 0xff);
            } else if (proto == 58 && type == 0x86dd) {
                b.exact(MatchField.ICMPV6_TYPE, MatchField.ICMPV6_TYPE.readLow(w) & 0xff);
                b.exact(MatchField.ICMPV6_CODE, MatchField.ICMPV6_CODE.readLow(w) & 0xff);
            }
        } else if (type == 0x0806 || type == 0x8035) {
            b.exact(MatchField.ARP_OP, MatchField.ARP_OP.readLow(w));
            b.exact(MatchField.ARP_SPA, MatchField.ARP_SPA.readLow(w));
            b.exact(MatchField.ARP_TPA, MatchField.ARP_TPA.readLow(w));
            b.exact(MatchField.ARP_SHA, MatchField.ARP_SHA.readLow(w));
            b.exact(MatchField.ARP_THA, MatchField.ARP_THA.readLow(w));
        }
        try {
            return org.vswitch4j.flow.ofctl.Ofctl.format(b.build());
        } catch (RuntimeException e) {
            return key.toString(); // a key the model cannot hold (a value wider than its field): the raw words
        }
    }

    private static String megaflowText(FlowKey key, FlowMask m) {
        FlowKey masked = key.copy();
        for (int i = 0; i < FlowKey.WORDS; i++) {
            masked.w[i] &= m.w[i];
        }
        return masked + " mask " + m;
    }

    /** A translation context for trace: no packet, no counting, a revalidation (NORMAL then learns nothing). */
    private record TraceTranslation(long nowNanos) implements Translation {
        @Override
        public Packet packet() {
            return null;
        }

        @Override
        public boolean isRevalidation() {
            return true;
        }

        @Override
        public void addTag(long tag) {
        }
    }

    // ================================ reading ================================

    /** Every entry of every table, table by table, higher priorities first. */
    public List<FlowStats> dumpFlows() {
        return dump(-1);
    }

    /** The entries of {@code table}, higher priorities first. */
    public List<FlowStats> dumpFlows(int table) {
        if (table < 0 || table >= TABLES) {
            throw new IllegalArgumentException("table " + table + " is outside 0..254");
        }
        return dump(table);
    }

    private List<FlowStats> dump(int only) {
        List<FlowStats> r = new ArrayList<>();
        dp.withSlowPathLock(() -> {
            long now = dp.clock().nanos();
            for (int t = 0; t < TABLES; t++) {
                if (tables[t] == null || only >= 0 && t != only) {
                    continue;
                }
                List<FlowEntry> es = tables[t].entries(version);
                es.sort(Comparator.comparingInt((FlowEntry e) -> -e.priority).thenComparingLong(e -> e.id));
                for (FlowEntry e : es) {
                    r.add(e.stats(now));
                }
            }
        });
        return r;
    }

    /** Table {@code id}'s counters and size (a table nothing was added to reports zeros). */
    public FlowTable table(int id) {
        if (id < 0 || id >= TABLES) {
            throw new IllegalArgumentException("table " + id + " is outside 0..254");
        }
        FlowTable[] r = new FlowTable[1];
        dp.withSlowPathLock(() -> r[0] = tableLocked(id));
        return r[0];
    }

    /** The number of entries in all tables. */
    public int flowCount() {
        int[] n = new int[1];
        dp.withSlowPathLock(() -> {
            for (FlowTable t : tables) {
                if (t != null) {
                    n[0] += t.activeCount();
                }
            }
        });
        return n[0];
    }

    /** Every group with its counters, by id. */
    public List<GroupStats> groups() {
        List<GroupStats> r = new ArrayList<>();
        dp.withSlowPathLock(() -> {
            long now = dp.clock().nanos();
            groups.values().stream().sorted(Comparator.comparingLong(g -> g.id)).forEach(g -> {
                List<long[]> bs = new ArrayList<>();
                for (int i = 0; i < g.buckets.size(); i++) {
                    bs.add(new long[] {g.bucketPackets[i], g.bucketBytes[i]});
                }
                r.add(new GroupStats(new GroupMod(GroupMod.Command.ADD, g.id, g.type, g.buckets), g.packets, g.bytes,
                        bs, g.refCount, now - g.createdNanos));
            });
        });
        return r;
    }

    /** Every meter with its counters, by id. */
    public List<MeterStats> meters() {
        List<MeterStats> r = new ArrayList<>();
        dp.withSlowPathLock(() -> {
            long now = dp.clock().nanos();
            meters.values().stream().sorted(Comparator.comparingLong(m -> m.mod.meterId())).forEach(m -> {
                List<long[]> bs = new ArrayList<>();
                for (int i = 0; i < m.bandPackets.length; i++) {
                    bs.add(new long[] {m.bandPackets[i].sum(), m.bandBytes[i].sum()});
                }
                r.add(new MeterStats(m.mod, m.packetsIn.sum(), m.bytesIn.sum(), bs, m.flowCount, now - m.createdNanos));
            });
        });
        return r;
    }

    // ================================ packet-ins ================================

    /** Hands up to {@code max} queued packet-ins to {@code consumer}, oldest first; returns how many. */
    public int drainPacketIns(Consumer<PacketIn> consumer, int max) {
        return packetIns.drain(consumer::accept, max);
    }

    /** Packet-ins dropped because the queue was full. */
    public long packetInDrops() {
        return packetInDrops.get();
    }

    void offerPacketIn(PacketIn p) {
        if (!packetIns.offer(p)) {
            packetInDrops.incrementAndGet();
        }
    }

    // ---- for Xlate ----

    GroupEntry group(long id) {
        return groups.get(id);
    }

    MeterEntry meter(long id) {
        return meters.get(id);
    }

    boolean hasController() {
        return controllerConnected;
    }

    int localPort() {
        return localPort;
    }
}
