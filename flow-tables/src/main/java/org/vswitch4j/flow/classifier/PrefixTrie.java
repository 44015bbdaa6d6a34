package org.vswitch4j.flow.classifier;

/**
 * A path-compressed binary trie of the address prefixes (up to 128 bits) that the classifier's rules match
 * on one field, counting the stored prefixes per node.
 *
 * <p>Why: a subtable whose rules match, say, {@code ip_dst=10.1.2.0/24} needs a packet's top 24 destination
 * bits to know it misses. When the trie shows that no rule anywhere has a /24 prefix matching the packet, the
 * classifier skips that subtable and un-wildcards only the bits the trie walk looked at (often a few), so
 * the megaflow for a miss stays wide. See {@link Classifier}, "Prefix tracking".
 *
 * <p>Values are 128-bit, left-aligned: a 32-bit field sits in the top half of {@code hi}. A node holds the
 * whole prefix from the root ({@code hi}, {@code lo}, bits past {@code len} zero), so comparing a key to a
 * node's compressed segment is an XOR and a leading-zero count. Non-root nodes with no prefix of their own
 * always have two children (removal splices out the others), so the trie has at most 2n nodes.
 *
 * <p><b>Jump table.</b> A walk is a chain of dependent loads, one node per branching bit: with 100,000 random
 * /32 prefixes about 17 of them, each a cache miss once the trie outgrows the caches, which made a lookup at a
 * million rules 4&times; one at a thousand. Past {@value #JUMP_MIN} prefixes the trie keeps, for every value of
 * a key's top {@value #JUMP_BITS} bits, where the walk for such a key stands after its top {@value #JUMP_BITS}
 * bits: the lengths it has matched so far and either the node to go on from or, when the walk ends that early,
 * its result. A lookup then starts there: one load from two flat arrays instead of the top ~16 nodes. The
 * entries are the very walk, cut short ({@link #walkLimit}), and are kept exact by recomputing, after each insert
 * and remove, those whose top bits pass through the node that changed (one entry for a deep change, 2^(16-l)
 * for a change at depth l; the whole table only for a change at the root), in one walk over the part of the
 * trie those entries cover ({@link #refill}), not one walk per entry.
 *
 * <p>Path compression already folds the shared top of clustered prefixes (10.0.0.0 + i for 100,000 i) into one
 * node; what remains is the dense part below it, a full binary tree as deep as the cluster is wide. So a node at
 * depth 16, 24, 32, ... (where lookups through a dense part stand) with {@value #SUB_MIN} prefixes below it
 * (counted per node; the insert that makes it that dense builds the table, or the pass that builds the top
 * table) gets a jump table of its own over the next {@value #SUB_BITS} bits, kept exact the same way; a lookup
 * goes from the top table through such tables 8 bits at a time (three loads for a dense /32 instead of
 * ~18) and walks node by node only where none is. Fields up to 64 bits wide use them; IPv6 only above bit 64.
 *
 * <p><b>Small tries.</b> A trie below {@value #JUMP_MIN} prefixes (a table of a thousand rules) has no top table,
 * and its walks were still a chain of ~8 node steps, each a data-dependent branch and a load: three such walks
 * per upcall were a seventh of the miss path's time. Its dense parts are clusters too (100 /32 hosts under one
 * /25 node, 150 /24 networks under one /16), but they start at any depth, not at 16 + 8k. So there a branching
 * node with {@value #SMALL_SUB_MIN} prefixes below it gets a table over its next min(8, field width &minus;
 * depth) bits, unless a table above it already covers its depth (a lookup through that one jumps past it); a
 * table given above existing ones drops those it covers. The walk takes a node's table wherever it stands. The
 * entries are kept exact as above; counts below are exact at every depth (every insert starts at the root). When
 * the top table is built, the tables are re-placed by the rule above; when it is dropped, by this one.
 *
 * <p>Thread-safety: none of its own; written by the classifier's writer, read by lookups the caller keeps
 * apart from writes (see {@link Classifier}).
 */
final class PrefixTrie {
    private static final class Node {
        final long hi;
        final long lo;
        final int len;
        /** Stored prefixes ending exactly here. */
        int count;
        /**
         * Stored prefixes ending here or below: exact at depth &ge; {@value #JUMP_BITS} (the nodes that may get a
         * jump table of their own), where every write passes; above, an insert that starts at its jump entry
         * skips it.
         */
        int below;
        Node c0;
        Node c1;
        /**
         * A node deep in a dense part of the trie may hold a jump table of its own over the next {@value
         * #SUB_BITS} key bits (see "Jump table" above): per value of those bits, the node the walk goes on from
         * (null when it ends there) and the lengths it matched on the way (relative to this node's), or its
         * result.
         */
        Node[] subNode;
        long[] subInfo;
        /** The key bits {@link #subNode} resolves: 1..{@value #SUB_BITS} ({@value #SUB_BITS} under a top table). */
        int subBits;

        Node(long hi, long lo, int len) {
            this.hi = hi;
            this.lo = lo;
            this.len = len;
        }

        Node child(int bit) {
            return bit == 0 ? c0 : c1;
        }

        void child(int bit, Node n) {
            if (bit == 0) {
                c0 = n;
            } else {
                c1 = n;
            }
        }
    }

    /** The key bits the jump table resolves at once. */
    static final int JUMP_BITS = 16;
    /** Prefixes from which on a trie keeps its jump table (below it the top nodes stay in cache anyway). */
    static final int JUMP_MIN = 2048;
    /** In a jump entry: the walk ended within the top bits; bits 32..39 then hold its result (the check). */
    private static final long JUMP_DONE = 1L << 40;

    /** The key bits a node's own jump table resolves. */
    static final int SUB_BITS = 8;
    /** Prefixes below a node from which on it gets a jump table of its own (at the insert that reaches it). */
    static final int SUB_MIN = 256;
    /**
     * In a trie without a top table: prefixes below a branching node from which on it gets a jump table of its own
     * (see "Small tries" above).
     */
    static final int SMALL_SUB_MIN = 32;
    /** The fewest key bits a small trie's node table resolves (a narrower one saves too few steps). */
    private static final int SMALL_MIN_BITS = 4;

    private final int width;
    private final Node root = new Node(0, 0, 0);
    private final int subMin;
    private final int smallSubMin;
    /** Nodes with a jump table of their own on the current write's path (the writer's scratch). */
    private Node[] subPath = new Node[8];
    private int nSubPath;
    /** Nodes the current insert made dense enough for a jump table of their own (the writer's scratch). */
    private Node[] dense = new Node[4];
    private int nDense;
    /** {@link #walkLimit}'s result: the node it stopped at (null when the walk ended) and the entry's info. */
    private Node walkNode;
    private long walkInfo;
    private int prefixes;
    /** Prefix count at which the jump table is built, and below which it is dropped (half of it). */
    private final int jumpMin;
    /** Per top-bits value: the node to go on from (null when {@link #JUMP_DONE}), or no table at all. */
    private Node[] jumpNode;
    /** Per top-bits value: lengths 1..16 matched so far (bits 0..15), {@link #JUMP_DONE}, the check. */
    private long[] jumpInfo;

    /** A trie for a field of {@code width} bits (1..128). */
    PrefixTrie(int width) {
        this(width, JUMP_MIN);
    }

    /** A trie that builds its jump table from {@code jumpMin} prefixes on (tests force it with small values). */
    PrefixTrie(int width, int jumpMin) {
        this(width, jumpMin, SUB_MIN, SMALL_SUB_MIN);
    }

    /**
     * ... and gives a node its own jump table from {@code subMin} prefixes below it on (with a top table) or from
     * {@code smallSubMin} (without; {@link Integer#MAX_VALUE}: never, the plain walk the tests compare with).
     */
    PrefixTrie(int width, int jumpMin, int subMin, int smallSubMin) {
        this.width = width;
        this.jumpMin = width > JUMP_BITS ? Math.max(1, jumpMin) : Integer.MAX_VALUE;
        this.subMin = Math.max(1, subMin);
        this.smallSubMin = Math.max(1, smallSubMin);
    }

    /**
     * A classifier's trie: jump tables at the default sizes, or (for tests) the top table and its node tables from
     * {@code jumpMin} prefixes on and a small trie's node tables from {@code smallMin} on.
     */
    static PrefixTrie of(int width, int jumpMin, int smallMin) {
        return new PrefixTrie(width, jumpMin, jumpMin == JUMP_MIN ? SUB_MIN : jumpMin, smallMin);
    }

    /** Nodes holding a jump table of their own (for tests). */
    int subTables() {
        return countSubs(root);
    }

    private static int countSubs(Node n) {
        return n == null ? 0 : (n.subNode != null ? 1 : 0) + countSubs(n.c0) + countSubs(n.c1);
    }

    /** Whether the jump table is kept (for tests). */
    boolean hasJumpTable() {
        return jumpNode != null;
    }

    int width() {
        return width;
    }

    /** Number of stored prefixes (with multiplicity). */
    int size() {
        return prefixes;
    }

    /** Adds one prefix of length {@code plen} (1..width); the bits of {@code hi, lo} past plen are ignored. */
    void insert(long hi, long lo, int plen) {
        long h = truncHi(hi, plen);
        long l = truncLo(lo, plen);
        nSubPath = 0;
        nDense = 0;
        int changed = insertAt(insertStart(h, plen), h, l, plen);
        prefixes++;
        resub(h, changed);
        if (jumpNode != null) {
            rejump(h, changed);
            // A node that became dense gets its table now, at the cost of one refill of 256 entries, not at a
            // pass over the whole trie (which at a million prefixes held the writer's lock for 0.1-0.5 s).
            for (int i = 0; i < nDense; i++) {
                giveTable(dense[i]);
            }
        } else if (prefixes >= jumpMin) {
            buildJump();
            subPass(root, 0); // node tables by the top table's rule (a trie of a jumpMin of prefixes: a short pass)
        } else {
            for (int i = 0; i < nDense; i++) {
                giveTable(dense[i]);
            }
        }
        nDense = 0;
    }

    /** Reads the node an {@link #insert} of this prefix starts at (see {@code Classifier.touchInsert}). */
    long touch(long hi, int plen) {
        Node[] jn = jumpNode;
        if (jn == null || plen <= JUMP_BITS) {
            return 0;
        }
        Node n = jn[(int) (truncHi(hi, plen) >>> (64 - JUMP_BITS))];
        return n == null ? 0 : n.below;
    }

    /**
     * Where an insert's walk may start: the node the jump table names for the prefix's top bits (on the path of
     * every key with those bits, and above {@code plen}), else the root. Spares a long prefix's insert the
     * chain of misses through the top of a large trie, as it spares a lookup.
     */
    private Node insertStart(long h, int plen) {
        Node[] jn = jumpNode;
        if (jn == null || plen <= JUMP_BITS) {
            return root;
        }
        Node n = jn[(int) (h >>> (64 - JUMP_BITS))];
        return n == null ? root : n;
    }

    /**
     * Stores the prefix, walking from {@code from} (the root, or a node whose prefix is a prefix of the
     * stored one's and shorter); returns how many top bits a key must share with it for its walk to pass the change
     * (the changed node's depth, or one more when a child link of it changed from one node to another): the
     * jump entries to recompute.
     */
    private int insertAt(Node from, long h, long l, int plen) {
        Node n = from;
        int cover = 0; // in a small trie: where the deepest node table above stops (see wantsTable)
        while (true) {
            onPath(n);
            n.below++;
            cover = noteDense(n, cover);
            if (n.len == plen) {
                n.count++;
                return n.len;
            }
            int b = bit(h, l, n.len);
            Node c = n.child(b);
            if (c == null) {
                Node leaf = new Node(h, l, plen);
                leaf.count = 1;
                leaf.below = 1;
                n.child(b, leaf);
                noteDense(leaf, cover); // with a small subMin (tests) even a leaf may want a table
                return n.len; // a walk down the other side reads whether this one is empty, too
            }
            int d = firstDiff(h, l, c.hi, c.lo, Math.min(plen, c.len));
            if (d >= c.len) {
                n = c; // c's prefix is a prefix of ours
                continue;
            }
            if (d >= plen) { // ours is a proper prefix of c's: a new node between n and c
                Node mid = new Node(h, l, plen);
                mid.count = 1;
                mid.below = c.below + 1;
                mid.child(bit(c.hi, c.lo, plen), c);
                n.child(b, mid);
                noteDense(mid, cover);
                return plen;
            }
            // Diverge at d inside c's segment: a branching node at d with c and the new leaf below.
            Node split = new Node(truncHi(h, d), truncLo(l, d), d);
            Node leaf = new Node(h, l, plen);
            leaf.count = 1;
            leaf.below = 1;
            split.below = c.below + 1;
            split.child(bit(c.hi, c.lo, d), c);
            split.child(bit(h, l, d), leaf);
            n.child(b, split);
            noteDense(leaf, noteDense(split, cover));
            return d;
        }
    }

    /** Removes one prefix added by {@link #insert}; throws if it is not stored. */
    void remove(long hi, long lo, int plen) {
        long h = truncHi(hi, plen);
        long l = truncLo(lo, plen);
        Node gp = null;
        Node p = null;
        Node n = root;
        nSubPath = 0;
        while (n.len < plen) {
            onPath(n);
            n.below--;
            Node c = n.child(bit(h, l, n.len));
            if (c == null || c.len > plen || firstDiff(h, l, c.hi, c.lo, c.len) < c.len) {
                throw new IllegalStateException("prefix /" + plen + " is not in the trie");
            }
            gp = p;
            p = n;
            n = c;
        }
        if (n.len != plen || n.count == 0) {
            throw new IllegalStateException("prefix /" + plen + " is not in the trie");
        }
        n.count--;
        n.below--;
        prefixes--;
        int changed = n.len;
        if (n.count == 0 && (n.c0 == null || n.c1 == null)) {
            Node only = n.c0 != null ? n.c0 : n.c1;
            replace(p, n, only);
            changed = only == null ? p.len : p.len + 1; // an emptied side changes the other side's walks
            if (only == null && p != root && p.count == 0) {
                // p was a branching node without a prefix of its own; with one child left it is dead weight.
                replace(gp, p, p.c0 != null ? p.c0 : p.c1);
                changed = gp.len + 1;
            }
        }
        onPath(n);
        resub(h, changed);
        if (jumpNode != null) {
            if (prefixes < jumpMin / 2) {
                jumpNode = null; // small again: the top of the trie fits in cache
                jumpInfo = null;
                recountBelow(root); // inserts that started at their jump entry did not count the nodes above it
                subPass(root, 0); // node tables by the small trie's rule
            } else {
                rejump(h, changed);
            }
        }
    }

    private static int recountBelow(Node n) {
        if (n == null) {
            return 0;
        }
        n.below = n.count + recountBelow(n.c0) + recountBelow(n.c1);
        return n.below;
    }

    private void onPath(Node n) {
        if (n.subNode != null) {
            if (nSubPath == subPath.length) {
                subPath = java.util.Arrays.copyOf(subPath, nSubPath * 2);
            }
            subPath[nSubPath++] = n;
        }
    }

    /**
     * Recomputes, in the jump tables of the nodes on the write's path, the entries of keys sharing their top
     * {@code bits} bits with {@code h} (see {@link #rejump}).
     */
    private void resub(long h, int bits) {
        for (int i = 0; i < nSubPath; i++) {
            Node x = subPath[i];
            int from = x.len;
            int to = from + x.subBits;
            if (bits < from || bits > to) {
                continue; // above x (x's entries describe only its subtree) or below its entries' reach
            }
            refill(x, to, x.subNode, x.subInfo, truncHi(h, bits), bits);
        }
        nSubPath = 0;
    }

    /**
     * Whether {@code n} should have a jump table of its own and has none.
     *
     * <p>With a top table: only at depths 16 + 8k. In a dense part of the trie a lookup stands, after the top table
     * and after each node table, exactly at those depths, so a table at any other depth there was never read, yet
     * every insert through it kept it up to date.
     *
     * <p>Without (see "Small tries"): a branching node with {@link #smallSubMin} prefixes below it, not inside
     * the bits of a table above it ({@code cover}: where the deepest table on its path stops; a lookup through that
     * table jumps past any node above that depth, so a table there would be kept and never read).
     */
    private boolean wantsTable(Node n, int cover) {
        if (n.subNode != null) {
            return false;
        }
        int lim = Math.min(width, 64);
        if (jumpNode != null) {
            return n.below >= subMin && n.len >= JUMP_BITS && (n.len - JUMP_BITS) % SUB_BITS == 0
                    && n.len + SUB_BITS <= lim;
        }
        return n.below >= smallSubMin && n.len >= cover && lim - n.len >= SMALL_MIN_BITS && n.c0 != null
                && n.c1 != null;
    }

    /** The key bits a table given to {@code n} now resolves. */
    private int stride(Node n) {
        return jumpNode != null ? SUB_BITS : Math.min(SUB_BITS, Math.min(width, 64) - n.len);
    }

    /**
     * Remembers {@code n} for a table at the end of the insert, if it wants one; returns the cover below it (see
     * {@link #wantsTable}), counting the table it is about to get.
     */
    private int noteDense(Node n, int cover) {
        if (wantsTable(n, cover)) {
            if (nDense == dense.length) {
                dense = java.util.Arrays.copyOf(dense, nDense * 2);
            }
            dense[nDense++] = n;
            return Math.max(cover, n.len + stride(n));
        }
        return n.subNode != null ? Math.max(cover, n.len + n.subBits) : cover;
    }

    private void giveTable(Node n) {
        if (n.subNode == null) { // one insert may note a node once only, but stay safe
            int sb = stride(n);
            n.subBits = sb;
            n.subNode = new Node[1 << sb];
            n.subInfo = new long[1 << sb];
            refill(n, n.len + sb, n.subNode, n.subInfo, n.hi, n.len);
            if (jumpNode == null) { // the tables within its bits are jumped past from now on
                dropTables(n.c0, n.len + sb);
                dropTables(n.c1, n.len + sb);
            }
        }
    }

    /** Drops the node tables of {@code n} and the nodes below it above depth {@code end}. */
    private static void dropTables(Node n, int end) {
        if (n != null && n.len < end) {
            n.subNode = null;
            n.subInfo = null;
            dropTables(n.c0, end);
            dropTables(n.c1, end);
        }
    }

    /**
     * Re-places the node tables at and below {@code n} by the current rule (the top table was just built or
     * dropped): drops those the rule would not give, gives those it wants.
     */
    private void subPass(Node n, int cover) {
        if (n == null) {
            return;
        }
        if (n.subNode != null && !(jumpNode != null
                ? n.len >= JUMP_BITS && (n.len - JUMP_BITS) % SUB_BITS == 0 && n.subBits == SUB_BITS
                : n.len >= cover)) {
            n.subNode = null;
            n.subInfo = null;
        }
        if (wantsTable(n, cover)) {
            giveTable(n);
        }
        int below = n.subNode != null ? Math.max(cover, n.len + n.subBits) : cover;
        subPass(n.c0, below);
        subPass(n.c1, below);
    }

    // ---- jump table ------------------------------------------------------------------------------------

    private void buildJump() {
        jumpNode = new Node[1 << JUMP_BITS];
        jumpInfo = new long[1 << JUMP_BITS];
        refill(root, JUMP_BITS, jumpNode, jumpInfo, 0, 0);
    }

    /** Recomputes the entries of every top-bits value sharing its top {@code bits} bits with {@code h}. */
    private void rejump(long h, int bits) {
        if (bits > JUMP_BITS) {
            return; // the change lies below every entry's stopping point
        }
        refill(root, JUMP_BITS, jumpNode, jumpInfo, truncHi(h, bits), bits);
    }

    // ---- refilling a range of jump entries ---------------------------------------------------------------
    //
    // A change at depth d invalidates the entries of every key through the changed node: 2^(limit - d) of them.
    // Walking each from the table's node again re-read the shared path once per entry (with a dense node table
    // ~30 entries of ~8 nodes each per insert near a cluster's growing edge: a third of a bundled add's time).
    // The refill walks the shared path once and the subtree below it once, splitting the range of keys where
    // the walk's outcome splits: each entry is written once and each node read once.

    /** The table being refilled: its node (whose depth the entries' lengths are relative to), limit, arrays. */
    private int fillBase;
    private int fillLimit;
    private Node[] fillNode;
    private long[] fillInfo;

    /**
     * Sets, in the jump table over bits {@code x.len .. limit - 1} below {@code x} (the top table: x = root),
     * the entry of every key whose top {@code m} bits are those of {@code p} (x.len &le; m &le; limit, p's bits
     * past m zero) to what {@link #walkLimit} from x computes for it.
     */
    private void refill(Node x, int limit, Node[] nodes, long[] info, long p, int m) {
        fillBase = x.len;
        fillLimit = limit;
        fillNode = nodes;
        fillInfo = info;
        fillAt(x, 0, p, m);
        fillNode = null;
        fillInfo = null;
    }

    /**
     * The walk of every key with top {@code m} bits {@code p} stands at {@code n} (n.len &le; m) with lengths
     * {@code p0} matched before n's own: goes on as {@link #walkLimit} does and writes each key's entry.
     */
    private void fillAt(Node n, long p0, long p, int m) {
        int depth = n.len;
        if (n.count > 0 && depth > fillBase) {
            p0 |= 1L << (depth - 1 - fillBase);
        }
        if (depth >= fillLimit) {
            fillRange(p, m, n, p0);
            return;
        }
        if (m == depth) { // the keys split on the bit at depth
            fillStep(n, p0, p, m + 1, 0);
            fillStep(n, p0, p | (1L << (63 - depth)), m + 1, 1);
        } else {
            fillStep(n, p0, p, m, bit(p, 0, depth));
        }
    }

    /** The step from {@code n} to its child {@code b} for the keys with top {@code m} bits {@code p} (m > n.len). */
    private void fillStep(Node n, long p0, long p, int m, int b) {
        int depth = n.len;
        Node c = n.child(b);
        if (c == null) {
            fillRange(p, m, null, doneInfo(p0, n.child(b ^ 1) != null ? depth + 1 : depth));
            return;
        }
        int lim = Math.min(c.len, fillLimit);
        int fixed = Math.min(m, lim);
        int d = firstDiff(p, 0, c.hi, c.lo, fixed);
        if (d < fixed) { // every key leaves c's segment at d (not after a write, whose keys follow the change's path)
            fillRange(p, m, null, doneInfo(p0, d + 1));
            return;
        }
        // The keys that follow c's segment up to bit j and leave it at j end there; the rest reach lim.
        for (int j = m; j < lim; j++) {
            long q = truncHi(c.hi, j) | (~c.hi & (1L << (63 - j)));
            fillRange(q, j + 1, null, doneInfo(p0, j + 1));
        }
        long q = m >= lim ? p : truncHi(c.hi, lim);
        int mq = Math.max(m, lim);
        if (c.len > fillLimit) {
            fillRange(q, mq, n, p0); // c's segment reaches below the limit: the walk stops at n
        } else {
            fillAt(c, p0, q, mq);
        }
    }

    /** Writes the entry of every key with top {@code m} bits {@code p}. */
    private void fillRange(long p, int m, Node node, long info) {
        int first = (int) ((p << fillBase) >>> (64 - (fillLimit - fillBase)));
        for (int k = first, end = first + (1 << (fillLimit - m)); k < end; k++) {
            fillNode[k] = node;
            fillInfo[k] = info;
        }
    }

    private static long doneInfo(long p0, int check) {
        return p0 | JUMP_DONE | (long) check << 32;
    }

    /**
     * The walk of {@link #lookup} from {@code start} (on the path of every key whose top bits are those of
     * {@code hi} up to {@code limit}, a limit of at most 64) up to the first step that would read bit
     * {@code limit} or below; leaves in {@link #walkNode} where it stands (null when it ended) and in
     * {@link #walkInfo} the lengths it matched below {@code start}'s own (bit j: length start.len + 1 + j),
     * {@link #JUMP_DONE} and the walk's result when it ended.
     */
    private void walkLimit(Node start, long hi, int limit) {
        int base = start.len;
        long p0 = 0;
        Node n = start;
        while (true) {
            int depth = n.len;
            if (n.count > 0 && depth > base) {
                p0 |= 1L << (depth - 1 - base);
            }
            if (depth >= limit) {
                break; // the next step reads bit limit
            }
            int b = bit(hi, 0, depth);
            Node c = n.child(b);
            if (c == null) {
                done(p0, n.child(b ^ 1) != null ? depth + 1 : depth);
                return;
            }
            int d = firstDiff(hi, 0, c.hi, c.lo, Math.min(c.len, limit));
            if (d < Math.min(c.len, limit)) {
                done(p0, d + 1);
                return;
            }
            if (c.len > limit) {
                break; // c's segment reaches below the limit
            }
            n = c;
        }
        walkNode = n;
        walkInfo = p0;
    }

    /**
     * For tests: refills the top table's entries of the keys with top {@code m} bits (0..16) of {@code hi}, and
     * every node table's entries of the keys with the top {@code m + x.len} bits of {@code hi} below each node x
     * on {@code hi}'s path (as a write with a change at that depth does; writes only ever start on the changed
     * node's path, this from any key). The entries must stay what they were.
     */
    void refillAround(long hi, int m) {
        if (jumpNode != null) {
            refill(root, JUMP_BITS, jumpNode, jumpInfo, truncHi(hi, m), m);
        }
        for (Node n = root; n != null && n.len < Math.min(width, 64); ) {
            if (n.subNode != null) {
                int sb = n.subBits;
                refill(n, n.len + sb, n.subNode, n.subInfo, truncHi(hi, n.len + Math.min(m, sb)),
                        n.len + Math.min(m, sb));
            }
            Node c = n.child(bit(hi, 0, n.len));
            n = c != null && c.len <= 64 && firstDiff(hi, 0, c.hi, c.lo, c.len) >= c.len ? c : null;
        }
    }

    /**
     * For tests: the entries {@code tops} of the top table (null: all of them) and every entry of every node
     * table, compared with {@link #walkLimit}'s walk for its key, and (when checking all) each deep node's count of
     * prefixes below and whether it has the table it should; in a small trie, also that no node table lies within
     * the bits of another above it (kept up to date, never read). The first difference, or null when there is none.
     */
    String checkJumpTables(int[] tops) {
        if (jumpNode != null) {
            for (int i = 0, n = tops == null ? jumpNode.length : tops.length; i < n; i++) {
                int top = tops == null ? i : tops[i] & (jumpNode.length - 1);
                walkLimit(root, (long) top << (64 - JUMP_BITS), JUMP_BITS);
                if (walkNode != jumpNode[top] || walkInfo != jumpInfo[top]) {
                    return "top entry " + top + ": " + jumpInfo[top] + ", walk " + walkInfo;
                }
            }
        }
        return checkSubs(root, tops == null, 0);
    }

    /** The prefixes at and below n, recounted; for tests. */
    private static int recount(Node n) {
        return n == null ? 0 : n.count + recount(n.c0) + recount(n.c1);
    }

    private String checkSubs(Node n, boolean counts, int cover) {
        if (n == null) {
            return null;
        }
        if (counts && (jumpNode == null || n.len >= JUMP_BITS) && n.below != recount(n)) {
            return "node /" + n.len + " counts " + n.below + " prefixes below it, holds " + recount(n);
        }
        if (jumpNode != null && wantsTable(n, 0)) {
            return "node /" + n.len + " with " + n.below + " prefixes below it has no jump table";
        }
        if (n.subNode != null) {
            if (jumpNode == null && n.len < cover) {
                return "node /" + n.len + " has a table within the bits of a table above it (to /" + cover + ")";
            }
            if (n.subNode.length != 1 << n.subBits || n.len + n.subBits > Math.min(width, 64)) {
                return "node /" + n.len + " has a table of " + n.subNode.length + " entries for " + n.subBits + " bits";
            }
            cover = Math.max(cover, n.len + n.subBits);
            for (int k = 0; k < n.subNode.length; k++) {
                walkLimit(n, n.hi | ((long) k << (64 - n.subBits - n.len)), n.len + n.subBits);
                if (walkNode != n.subNode[k] || walkInfo != n.subInfo[k]) {
                    return "node /" + n.len + " entry " + k + ": " + n.subInfo[k] + ", walk " + walkInfo;
                }
            }
        }
        String s = checkSubs(n.c0, counts, cover);
        return s != null ? s : checkSubs(n.c1, counts, cover);
    }

    private void done(long p0, int check) {
        walkNode = null;
        walkInfo = p0 | JUMP_DONE | (long) check << 32;
    }

    private static void replace(Node parent, Node old, Node with) {
        if (parent.c0 == old) {
            parent.c0 = with;
        } else {
            parent.c1 = with;
        }
    }

    /**
     * Walks the trie along a key's field value. Sets into {@code plens[at]} (lengths 1..64, bit len-1) and
     * {@code plens[at+1]} (lengths 65..128, bit len-65) every length at which a stored prefix equals the
     * key's top bits, and returns how many top bits of the key the walk depended on: any key that agrees
     * on those bits gets the same lengths.
     */
    int lookup(long hi, long lo, long[] plens, int at) {
        long p0 = 0;
        long p1 = 0;
        Node n = root;
        int check;
        Node[] jn = jumpNode;
        if (jn != null) {
            int top = (int) (hi >>> (64 - JUMP_BITS));
            long info = jumpInfo[top];
            n = jn[top];
            if ((info & JUMP_DONE) != 0) {
                plens[at] = info & 0xFFFF;
                plens[at + 1] = 0;
                return (int) (info >>> 32) & 0xFF;
            }
            p0 = info & 0xFFFF; // lengths up to n's own; the loop goes on at n
        }
        while (true) {
            Node[] sn = n.subNode;
            if (sn != null) {
                // A dense part: the node's own table resolves its next subBits bits at once.
                int d = n.len;
                int k = (int) ((hi << d) >>> (64 - n.subBits));
                long si = n.subInfo[k];
                p0 |= (si & 0xFF) << d;
                if (n.count > 0) {
                    p0 |= 1L << (d - 1); // the entries hold the lengths below n's own (a node step may not have set it)
                }
                if ((si & JUMP_DONE) != 0) {
                    plens[at] = p0;
                    plens[at + 1] = 0;
                    return (int) (si >>> 32) & 0xFF;
                }
                Node next = sn[k];
                if (next != n) {
                    n = next;
                    continue;
                }
                // n's child reaches below the table's bits: one node step from n
            }
            int depth = n.len;
            if (n.count > 0) {
                if (depth <= 64) {
                    p0 |= 1L << (depth - 1);
                } else {
                    p1 |= 1L << (depth - 65);
                }
            }
            if (depth >= width) {
                check = width;
                break;
            }
            int b = bit(hi, lo, depth);
            Node c = n.child(b);
            if (c == null) {
                // The bit at depth chose the missing side only if the other side exists.
                check = n.child(b ^ 1) != null ? depth + 1 : depth;
                break;
            }
            int d = firstDiff(hi, lo, c.hi, c.lo, c.len);
            if (d < c.len) {
                check = d + 1;
                break;
            }
            n = c;
        }
        plens[at] = p0;
        plens[at + 1] = p1;
        return check;
    }

    /**
     * For one prefix length: -1 if a stored prefix of length {@code plen} equals the key's top bits, else
     * how many top bits of the key (at most plen) show that none does. Needs no result array, so a lookup
     * can ask it of a subtable's own trie without shared scratch.
     */
    int excludes(long hi, long lo, int plen) {
        return excludesWithin(hi, lo, plen, Integer.MAX_VALUE);
    }

    /** {@link #excludes}'s answer to a walk that took more than this many nodes past the jump tables. */
    static final int UNKNOWN = -2;

    /**
     * {@link #excludes}, or {@link #UNKNOWN} when the answer would take more than {@code steps} nodes past the
     * jump tables: the first nodes below a table are shared by many keys and mostly in cache, the deeper ones
     * are not, so a caller can ask this before a probe it might spare, and probe first when it is unknown.
     */
    int excludesWithin(long hi, long lo, int plen, int steps) {
        Node n = root;
        Node[] jn = jumpNode;
        if (jn != null && plen > JUMP_BITS) {
            int top = (int) (hi >>> (64 - JUMP_BITS));
            long info = jumpInfo[top];
            if ((info & JUMP_DONE) != 0) {
                return (int) (info >>> 32) & 0xFF; // the walk ended above plen: no /plen prefix here
            }
            n = jn[top];
        }
        for (int left = steps; ; left--) {
            Node[] sn = n.subNode;
            if (sn != null && n.len + n.subBits < plen) {
                int k = (int) ((hi << n.len) >>> (64 - n.subBits));
                long si = n.subInfo[k];
                if ((si & JUMP_DONE) != 0) {
                    return (int) (si >>> 32) & 0xFF; // ended within the table's bits, above plen
                }
                Node next = sn[k];
                if (next != n) {
                    n = next;
                    left++; // a table's step is not a node step
                    continue;
                }
            }
            if (n.len >= plen) {
                break;
            }
            if (left == 0) {
                return UNKNOWN;
            }
            int depth = n.len;
            int b = bit(hi, lo, depth);
            Node c = n.child(b);
            if (c == null) {
                return n.child(b ^ 1) != null ? depth + 1 : depth;
            }
            int d = firstDiff(hi, lo, c.hi, c.lo, c.len);
            if (d < c.len) {
                return Math.min(d + 1, plen);
            }
            n = c;
        }
        return n.len == plen && n.count > 0 ? -1 : plen;
    }

    /**
     * Whether {@link #lookup} of a key with this high word is cheap: the trie is small (no jump table; its top
     * stays in cache) or the jump table holds the walk's whole result.
     */
    boolean cheap(long hi) {
        Node[] jn = jumpNode;
        return jn == null || jn[(int) (hi >>> (64 - JUMP_BITS))] == null;
    }

    /** Whether length {@code plen} (1..128) is set in a {@link #lookup} result. */
    static boolean has(long[] plens, int at, int plen) {
        return plen <= 64 ? (plens[at] >>> (plen - 1) & 1) != 0 : (plens[at + 1] >>> (plen - 65) & 1) != 0;
    }

    /** Bit {@code pos} (0 = most significant) of a 128-bit value. */
    static int bit(long hi, long lo, int pos) {
        return (int) (pos < 64 ? hi >>> (63 - pos) : lo >>> (127 - pos)) & 1;
    }

    /** The first bit position where two values differ, or {@code limit} when they agree before it. */
    static int firstDiff(long h1, long l1, long h2, long l2, int limit) {
        long x = h1 ^ h2;
        int d;
        if (x != 0) {
            d = Long.numberOfLeadingZeros(x);
        } else {
            x = l1 ^ l2;
            d = x != 0 ? 64 + Long.numberOfLeadingZeros(x) : 128;
        }
        return Math.min(d, limit);
    }

    /** The top {@code len} bits of the high word (len may exceed 64). */
    static long truncHi(long hi, int len) {
        return len >= 64 ? hi : len == 0 ? 0 : hi & (-1L << (64 - len));
    }

    /** The bits of the low word within the top {@code len} bits of the value. */
    static long truncLo(long lo, int len) {
        return len <= 64 ? 0 : len >= 128 ? lo : lo & (-1L << (128 - len));
    }
}
