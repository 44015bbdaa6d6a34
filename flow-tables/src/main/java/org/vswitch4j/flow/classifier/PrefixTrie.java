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
        Node c0;
        Node c1;

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

    private final int width;
    private final Node root = new Node(0, 0, 0);
    private int prefixes;

    /** A trie for a field of {@code width} bits (1..128). */
    PrefixTrie(int width) {
        this.width = width;
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
        Node n = root;
        while (true) {
            if (n.len == plen) {
                n.count++;
                prefixes++;
                return;
            }
            int b = bit(h, l, n.len);
            Node c = n.child(b);
            if (c == null) {
                Node leaf = new Node(h, l, plen);
                leaf.count = 1;
                n.child(b, leaf);
                prefixes++;
                return;
            }
            int d = firstDiff(h, l, c.hi, c.lo, Math.min(plen, c.len));
            if (d >= c.len) {
                n = c; // c's prefix is a prefix of ours
                continue;
            }
            if (d >= plen) { // ours is a proper prefix of c's: a new node between n and c
                Node mid = new Node(h, l, plen);
                mid.count = 1;
                mid.child(bit(c.hi, c.lo, plen), c);
                n.child(b, mid);
                prefixes++;
                return;
            }
            // Diverge at d inside c's segment: a branching node at d with c and the new leaf below.
            Node split = new Node(truncHi(h, d), truncLo(l, d), d);
            Node leaf = new Node(h, l, plen);
            leaf.count = 1;
            split.child(bit(c.hi, c.lo, d), c);
            split.child(bit(h, l, d), leaf);
            n.child(b, split);
            prefixes++;
            return;
        }
    }

    /** Removes one prefix added by {@link #insert}; throws if it is not stored. */
    void remove(long hi, long lo, int plen) {
        long h = truncHi(hi, plen);
        long l = truncLo(lo, plen);
        Node gp = null;
        Node p = null;
        Node n = root;
        while (n.len < plen) {
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
        prefixes--;
        if (n.count > 0 || (n.c0 != null && n.c1 != null)) {
            return;
        }
        Node only = n.c0 != null ? n.c0 : n.c1;
        replace(p, n, only);
        if (only == null && p != root && p.count == 0) {
            // p was a branching node without a prefix of its own; with one child left it is dead weight.
            replace(gp, p, p.c0 != null ? p.c0 : p.c1);
        }
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
        while (true) {
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
        Node n = root;
        while (n.len < plen) {
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
