package dev.perfstream.schemas.registry;

/**
 * A schema id that can never be read as Avro, a permanent fact about the record: the registry
 * answered 404 for it (code {@code unknown-schema}), or it names a JSON Schema / Protobuf schema
 * (code {@code format}), or its text is not valid Avro ({@code unknown-schema}).
 */
public class UnknownSchemaException extends Exception {
    private final int id;
    private final String code;

    public UnknownSchemaException(int id, String code, String message) {
        super(message);
        this.id = id;
        this.code = code;
    }

    public int id() {
        return id;
    }

    /** The dead-letter reason code: {@code unknown-schema} or {@code format}. */
    public String code() {
        return code;
    }
}
