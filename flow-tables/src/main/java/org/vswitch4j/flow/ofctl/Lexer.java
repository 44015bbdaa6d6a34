package org.vswitch4j.flow.ofctl;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits {@code ovs-ofctl} text into key/value pairs the way Open vSwitch does ({@code
 * ofputil_parse_key_value}): pairs are separated by commas or white space; a key ends at {@code =}, {@code :}
 * or {@code (}; a value runs to the next separator outside parentheses, or to the matching {@code )}. Every
 * pair keeps its absolute position in the whole text so that errors can point at it.
 */
final class Lexer {
    /** One {@code key[=:]value} or {@code key(value)} or bare {@code key}; {@code sep} is 0 for a bare key. */
    record Pair(String key, int keyPos, char sep, String value, int valuePos) {
        boolean hasValue() {
            return sep != 0;
        }
    }

    private final String text;
    private final int end;
    private int pos;

    /** A lexer over {@code text[from, to)}; positions stay those of {@code text}. */
    Lexer(String text, int from, int to) {
        this.text = text;
        this.pos = from;
        this.end = to;
    }

    /** A lexer over the whole of {@code text}. */
    Lexer(String text) {
        this(text, 0, text.length());
    }

    static boolean isSeparator(char c) {
        return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Skips separators; whether a pair follows. */
    boolean hasNext() {
        while (pos < end && isSeparator(text.charAt(pos))) {
            pos++;
        }
        return pos < end;
    }

    /** Where the next pair starts (after {@link #hasNext()}). */
    int position() {
        return pos;
    }

    /** The end of the lexer's range. */
    int end() {
        return end;
    }

    /** Moves to the end (the rest was taken whole, as {@code actions=} takes it). */
    void skipToEnd() {
        pos = end;
    }

    /** The next pair; call {@link #hasNext()} first. */
    Pair next() {
        int keyPos = pos;
        while (pos < end && !isSeparator(text.charAt(pos)) && "=:()".indexOf(text.charAt(pos)) < 0) {
            pos++;
        }
        String key = text.substring(keyPos, pos);
        if (pos == end || isSeparator(text.charAt(pos))) {
            return new Pair(key, keyPos, (char) 0, "", pos);
        }
        char sep = text.charAt(pos);
        if (sep == ')') {
            throw new FlowSyntaxException(text, pos, ")", "unbalanced parenthesis", "a value or a separator");
        }
        pos++;
        int valuePos = pos;
        if (sep == '(') {
            int close = matchingParen(valuePos - 1);
            pos = close + 1;
            if (text.startsWith("->", pos)) {
                // "key(x)->y" (check_pkt_larger): the value is "x)->y", up to the next separator, as in Open
                // vSwitch's ofputil_parse_key_value.
                while (pos < end && !isSeparator(text.charAt(pos))) {
                    pos++;
                }
                return new Pair(key, keyPos, sep, text.substring(valuePos, pos), valuePos);
            }
            if (pos < end && !isSeparator(text.charAt(pos))) {
                throw new FlowSyntaxException(text, pos, String.valueOf(text.charAt(pos)),
                        "unexpected text after \"" + key + "(...)\"", "a comma or the end");
            }
            return new Pair(key, keyPos, sep, text.substring(valuePos, close), valuePos);
        }
        int depth = 0;
        while (pos < end) {
            char c = text.charAt(pos);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                if (depth == 0) {
                    throw new FlowSyntaxException(text, pos, ")", "unbalanced parenthesis", "a value or a separator");
                }
                depth--;
            } else if (depth == 0 && isSeparator(c)) {
                break;
            }
            pos++;
        }
        if (depth != 0) {
            throw new FlowSyntaxException(text, valuePos, text.substring(valuePos, pos), "unclosed parenthesis",
                    "a closing )");
        }
        return new Pair(key, keyPos, sep, text.substring(valuePos, pos), valuePos);
    }

    /** The position of the {@code )} that closes the {@code (} at {@code open}. */
    int matchingParen(int open) {
        int depth = 0;
        for (int i = open; i < end; i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        throw new FlowSyntaxException(text, open, text.substring(open, Math.min(end, open + 20)),
                "unclosed parenthesis", "a closing )");
    }

    /** Every pair of {@code text[from, to)}. */
    static List<Pair> pairs(String text, int from, int to) {
        Lexer lx = new Lexer(text, from, to);
        List<Pair> out = new ArrayList<>();
        while (lx.hasNext()) {
            out.add(lx.next());
        }
        return out;
    }
}
