package dev.perfstream.schemas.validate;

/**
 * A statement's fingerprint: the text with its literals replaced by {@code ?}, so that the same
 * statement with other ids, names or list lengths groups into one. Producers may send raw SQL
 * ({@code SELECT * FROM t WHERE id = 42}) or a fingerprint already; a fingerprint maps onto itself.
 *
 * <p>What is replaced: quoted strings ({@code '...'} with {@code ''} escapes), numbers that are
 * not part of a name ({@code 42}, {@code -1.5e3}, {@code 0x1F}), and the contents of a parenthesised
 * list of literals only ({@code IN (1, 2, 3)}, {@code VALUES ('a', 1), ('b', 2)}) becomes {@code (?)}
 * and repeated tuples one. Runs of whitespace become one space, the ends are trimmed. Double-quoted and
 * back-quoted names are kept as they are. Keyword case is kept: {@code select} and {@code SELECT}
 * stay two fingerprints (producers rarely mix them for one statement).
 *
 * <p>A single pass over the characters, no regular expressions (pg_stat_statements and Percona's
 * {@code pt-fingerprint} go further, parsing the statement; a parser is out of proportion here).
 */
public final class SqlFingerprint {
    private SqlFingerprint() {
    }

    public static String of(String sql) {
        StringBuilder out = new StringBuilder(sql.length());
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'') {
                i = skipString(sql, i);
                out.append('?');
            } else if (c == '"' || c == '`') {
                int end = sql.indexOf(c, i + 1);
                end = end < 0 ? n : end + 1;
                out.append(sql, i, end);
                i = end;
            } else if (Character.isWhitespace(c)) {
                while (i < n && Character.isWhitespace(sql.charAt(i))) {
                    i++;
                }
                if (out.length() > 0 && i < n) {
                    out.append(' ');
                }
            } else if (isNumberStart(sql, i, out)) {
                i = skipNumber(sql, i);
                out.append('?');
            } else {
                out.append(c);
                i++;
            }
        }
        return collapseLists(out.toString());
    }

    /** A number starts here when it is not glued to a name ({@code t1}, {@code col_2}). */
    private static boolean isNumberStart(String s, int i, StringBuilder out) {
        char c = s.charAt(i);
        boolean sign = (c == '-' || c == '+') && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))
            && precededByOperator(out);
        if (!Character.isDigit(c) && !sign && !(c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
            return false;
        }
        if (out.length() == 0) {
            return true;
        }
        char prev = out.charAt(out.length() - 1);
        return !(Character.isLetterOrDigit(prev) || prev == '_' || prev == '$' || prev == '.' && !sign);
    }

    private static boolean precededByOperator(StringBuilder out) {
        int j = out.length() - 1;
        while (j >= 0 && out.charAt(j) == ' ') {
            j--;
        }
        return j < 0 || "=<>(,+-*/".indexOf(out.charAt(j)) >= 0;
    }

    private static int skipString(String s, int i) {
        int n = s.length();
        int j = i + 1;
        while (j < n) {
            char c = s.charAt(j);
            if (c == '\\' && j + 1 < n) {
                j += 2;
            } else if (c == '\'') {
                if (j + 1 < n && s.charAt(j + 1) == '\'') {
                    j += 2;
                } else {
                    return j + 1;
                }
            } else {
                j++;
            }
        }
        return n;
    }

    private static int skipNumber(String s, int i) {
        int n = s.length();
        int j = i;
        if (s.charAt(j) == '-' || s.charAt(j) == '+') {
            j++;
        }
        if (j + 1 < n && s.charAt(j) == '0' && (s.charAt(j + 1) == 'x' || s.charAt(j + 1) == 'X')) {
            j += 2;
            while (j < n && Character.digit(s.charAt(j), 16) >= 0) {
                j++;
            }
            return j;
        }
        while (j < n && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.')) {
            j++;
        }
        if (j < n && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
            int k = j + 1;
            if (k < n && (s.charAt(k) == '-' || s.charAt(k) == '+')) {
                k++;
            }
            if (k < n && Character.isDigit(s.charAt(k))) {
                j = k;
                while (j < n && Character.isDigit(s.charAt(j))) {
                    j++;
                }
            }
        }
        return j;
    }

    /**
     * {@code (?, ?, ?)} becomes {@code (?)}, and {@code (?), (?)} after VALUES one {@code (?)}: lists of
     * placeholders of any length group together.
     */
    private static String collapseLists(String s) {
        if (s.indexOf('(') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            int end = c == '(' ? placeholderList(s, i) : -1;
            if (end < 0) {
                out.append(c);
                i++;
                continue;
            }
            boolean repeat = endsWithTuple(out);
            if (repeat) {
                int cut = out.lastIndexOf("(?)");
                out.setLength(cut + 3); // drop the ", " between tuples
            } else {
                out.append("(?)");
            }
            i = end;
        }
        return out.toString();
    }

    /** End (exclusive) of {@code (?[, ?]*)} starting at {@code i}, or -1. */
    private static int placeholderList(String s, int i) {
        int n = s.length();
        int j = i + 1;
        boolean expectValue = true;
        while (j < n) {
            char c = s.charAt(j);
            if (c == ' ') {
                j++;
            } else if (expectValue && c == '?') {
                expectValue = false;
                j++;
            } else if (!expectValue && c == ',') {
                expectValue = true;
                j++;
            } else if (!expectValue && c == ')') {
                return j + 1;
            } else {
                return -1;
            }
        }
        return -1;
    }

    /** True when {@code out} ends with {@code (?)} followed by a comma: the next tuple repeats it. */
    private static boolean endsWithTuple(StringBuilder out) {
        int j = out.length() - 1;
        while (j >= 0 && out.charAt(j) == ' ') {
            j--;
        }
        if (j < 0 || out.charAt(j) != ',') {
            return false;
        }
        j--;
        while (j >= 0 && out.charAt(j) == ' ') {
            j--;
        }
        return j >= 2 && out.charAt(j) == ')' && out.charAt(j - 1) == '?' && out.charAt(j - 2) == '(';
    }
}
