package org.vswitch4j.flow.ofctl;

/**
 * Text that is not valid {@code ovs-ofctl} syntax: an unknown field or action, a malformed number or address,
 * a missing part. Carries the whole text, the 0-based position of the offending token, the token itself and
 * what was expected there, and says all of it in its message, as {@code ovs-ofctl} does (with the position
 * added): {@code "in_prot=1": unknown field "in_prot" at position 0; expected a match field, a flow
 * keyword or actions=}.
 *
 * <p>A flow that is well-formed but that OpenFlow refuses (a missing prerequisite, a value too wide for its
 * field) is a {@link org.vswitch4j.flow.FlowModException} instead, with the OpenFlow error.
 */
public final class FlowSyntaxException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String text;
    private final int position;
    private final String token;
    private final String expected;

    /**
     * A syntax error.
     *
     * @param text     the whole text being parsed
     * @param position where the offending token starts (0-based), {@code text.length()} at the end
     * @param token    the offending token ("" at the end of the text)
     * @param problem  what is wrong with it
     * @param expected what would have been valid there
     */
    public FlowSyntaxException(String text, int position, String token, String problem, String expected) {
        super(problem + " at position " + position + (token.isEmpty() ? "" : " (\"" + token + "\")")
                + "; expected " + expected + " in \"" + text + "\"");
        this.text = text;
        this.position = position;
        this.token = token;
        this.expected = expected;
    }

    /** The whole text that was being parsed. */
    public String text() {
        return text;
    }

    /** The 0-based position in {@link #text()} where the offending token starts. */
    public int position() {
        return position;
    }

    /** The offending token ("" when the text ended too early). */
    public String token() {
        return token;
    }

    /** What would have been valid at {@link #position()}. */
    public String expected() {
        return expected;
    }
}
