package dev.perfstream.schemas.validate;

import java.util.regex.Pattern;

/**
 * Turns raw URL paths into route templates so that ids do not explode the number of series:
 * {@code /users/123/orders/9f86d081-...} becomes {@code /users/{id}/orders/{uuid}}. Query strings
 * and fragments are dropped. Segments already in braces are kept.
 */
public final class RouteTemplates {
    private static final Pattern NUMERIC = Pattern.compile("[0-9]+|[0-9]+[.,][0-9]+");
    private static final Pattern UUID = Pattern.compile(
        "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{16,}");
    private static final Pattern EMAIL = Pattern.compile("[^@/]+@[^@/]+\\.[A-Za-z]{2,}");
    /** Long tokens with digits in them: session ids, base64 keys, slugs with ids. */
    private static final Pattern TOKEN = Pattern.compile("(?=.*[0-9])[A-Za-z0-9_\\-=+]{20,}");
    private static final Pattern MIXED_ID = Pattern.compile("[A-Za-z]{0,4}[0-9]{4,}[A-Za-z0-9]*");

    private RouteTemplates() {
    }

    /** @return the template; "/" for an empty path */
    public static String normalize(String raw) {
        String path = raw;
        int cut = indexOfAny(path, '?', '#');
        if (cut >= 0) {
            path = path.substring(0, cut);
        }
        int scheme = path.indexOf("://");
        if (scheme >= 0) {
            int slash = path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        StringBuilder out = new StringBuilder(path.length());
        for (String seg : path.split("/")) {
            if (seg.isEmpty()) {
                continue;
            }
            out.append('/').append(template(seg));
        }
        return out.length() == 0 ? "/" : out.toString();
    }

    static String template(String seg) {
        if (seg.startsWith("{") && seg.endsWith("}")) {
            return seg;
        }
        if (NUMERIC.matcher(seg).matches()) {
            return "{id}";
        }
        if (UUID.matcher(seg).matches()) {
            return "{uuid}";
        }
        if (HEX.matcher(seg).matches()) {
            return "{hash}";
        }
        if (EMAIL.matcher(seg).matches()) {
            return "{email}";
        }
        if (TOKEN.matcher(seg).matches() || MIXED_ID.matcher(seg).matches()) {
            return "{token}";
        }
        return seg;
    }

    private static int indexOfAny(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        if (i < 0) {
            return j;
        }
        return j < 0 ? i : Math.min(i, j);
    }
}
