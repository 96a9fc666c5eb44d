package dev.perfstream.ingest.collector;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/** Parses request bodies into JSON trees with bounded nesting and string sizes, with messages a client can act on. */
final class JsonBodies {
    static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // NaN/Infinity parse, then fail validation by field
        .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
            .maxStringLength(16 * 1024).maxNestingDepth(8).maxNumberLength(64).build());
    }

    private JsonBodies() {
    }

    static JsonNode parse(byte[] body) throws RequestRejected {
        if (body.length == 0) {
            throw new RequestRejected(400, "empty_body", "request body is empty; expected a JSON object");
        }
        try (JsonParser p = MAPPER.createParser(body)) {
            JsonNode n = MAPPER.readTree(p);
            if (p.nextToken() != null) {
                throw new RequestRejected(400, "bad_json", "invalid JSON: trailing content after the top-level value");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new RequestRejected(400, "bad_json", "invalid JSON: " + e.getOriginalMessage()
                + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw new RequestRejected(400, "bad_json", "invalid JSON: " + e.getMessage());
        }
    }
}
