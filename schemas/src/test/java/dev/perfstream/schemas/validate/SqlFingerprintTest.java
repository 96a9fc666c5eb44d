package dev.perfstream.schemas.validate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlFingerprintTest {
    @Test
    void shouldReplaceLiteralsAndListsSoTheSameStatementGroups() {
        String[][] cases = {
            {"SELECT * FROM orders WHERE id = 42", "SELECT * FROM orders WHERE id = ?"},
            {"SELECT * FROM orders WHERE id = -42 AND total > 1.5e3", "SELECT * FROM orders WHERE id = ? AND total > ?"},
            {"select name from users where email = 'a@b.c' and note = 'it''s'", "select name from users where email = ? and note = ?"},
            {"SELECT * FROM t WHERE id IN (1, 2, 3)", "SELECT * FROM t WHERE id IN (?)"},
            {"SELECT * FROM t WHERE id IN ('a','b')", "SELECT * FROM t WHERE id IN (?)"},
            {"INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')", "INSERT INTO t (a, b) VALUES (?)"},
            {"SELECT  *\n  FROM t1\tWHERE  c_2 = 0x1F", "SELECT * FROM t1 WHERE c_2 = ?"},
            {"SELECT \"col1\" FROM `tab2` WHERE x = $1", "SELECT \"col1\" FROM `tab2` WHERE x = $1"},
            {"UPDATE stock SET n = n - 1 WHERE sku = ?", "UPDATE stock SET n = n - ? WHERE sku = ?"},
            {"SELECT * FROM orders WHERE id = ?", "SELECT * FROM orders WHERE id = ?"},
            {"SELECT a.id FROM a JOIN b ON a.id = b.a_id LIMIT 10 OFFSET 20", "SELECT a.id FROM a JOIN b ON a.id = b.a_id LIMIT ? OFFSET ?"},
        };
        for (String[] c : cases) {
            assertThat(SqlFingerprint.of(c[0])).as(c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void shouldMapAFingerprintOntoItself() {
        String f = SqlFingerprint.of("SELECT * FROM t WHERE a IN (1,2) AND b = 'x' LIMIT 5");
        assertThat(SqlFingerprint.of(f)).isEqualTo(f);
    }

    @Test
    void shouldGroupTheSameStatementWithOtherIdsAndListLengths() {
        assertThat(SqlFingerprint.of("SELECT * FROM items WHERE order_id IN (7, 8, 9)"))
            .isEqualTo(SqlFingerprint.of("SELECT * FROM items WHERE order_id IN (1)"));
    }

    @Test
    void shouldSurviveUnterminatedStringsAndQuotes() {
        assertThat(SqlFingerprint.of("SELECT 'abc")).isEqualTo("SELECT ?");
        assertThat(SqlFingerprint.of("SELECT \"abc")).isEqualTo("SELECT \"abc");
        assertThat(SqlFingerprint.of("")).isEmpty();
    }
}
