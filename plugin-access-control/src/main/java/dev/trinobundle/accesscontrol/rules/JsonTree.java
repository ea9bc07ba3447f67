package dev.trinobundle.accesscontrol.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;
import static java.util.stream.Collectors.joining;

/**
 * A JSON (or YAML, through Jackson's YAML parser) tree that remembers where every value and field name came from, so
 * that every error in a rules file, and in the tools' test files, can name its line and column (Jackson's own tree
 * forgets locations). Needs only jackson-core: the tools run from the plugin directory, without Trino's shared jars.
 */
public final class JsonTree
{
    private static final JsonFactory JSON_FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    private JsonTree() {}

    public sealed interface Node
            permits ObjectNode, ArrayNode, ScalarNode
    {
        Position position();
    }

    /** Line and column (1-based) and character offsets of a value in the source text. */
    public record Position(int line, int column, int startOffset, int endOffset)
    {
        static Position of(JsonLocation start, JsonLocation end)
        {
            return new Position(start.getLineNr(), start.getColumnNr(), (int) start.getCharOffset(), (int) end.getCharOffset());
        }

        @Override
        public String toString()
        {
            return "line " + line + ", column " + column;
        }
    }

    public record Field(String name, Position namePosition, Node value) {}

    public record ObjectNode(Map<String, Field> fields, Position position)
            implements Node {}

    public record ArrayNode(List<Node> elements, Position position)
            implements Node {}

    /** A string, number, boolean or null; {@code value} is a String, Boolean, Number or null. */
    public record ScalarNode(Object value, JsonToken token, Position position)
            implements Node {}

    /** Builds the exception for a problem at a position (null when it is not inside the content). */
    @FunctionalInterface
    public interface Errors
    {
        RuntimeException error(Position position, String problem);
    }

    /**
     * Parses a whole rules document (trailing content is an error) and returns the node the JSON pointer names;
     * errors are {@link RulesException}s.
     */
    /** The content as UTF-8 text; malformed bytes are an error, never replaced (a rule must read as written). */
    public static String strictUtf8(byte[] content)
            throws CharacterCodingException
    {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(content))
                .toString();
    }

    public static Node parseRules(String source, String jsonPointer, String fileName)
    {
        JsonPointer pointer;
        try {
            pointer = JsonPointer.compile(jsonPointer);
        }
        catch (IllegalArgumentException e) {
            throw new RulesException(fileName, null, "invalid security.json-pointer '" + jsonPointer + "': " + e.getMessage());
        }
        if (source.isBlank()) {
            throw new RulesException(fileName, null, "the file is empty; it must contain a JSON object with the rules");
        }
        Errors errors = (position, problem) -> new RulesException(fileName, position, problem);
        return select(parse(JSON_FACTORY, "JSON", source, errors), pointer, jsonPointer, errors);
    }

    /**
     * Parses a whole document with {@code factory} (JSON, or YAML with Jackson's {@code YAMLFactory}); {@code format}
     * names it in errors. Trailing content (a second YAML document included) is an error.
     */
    public static Node parse(JsonFactory factory, String format, String source, Errors errors)
    {
        requireNonNull(source, "source is null");
        try {
            return parse(factory.createParser(source), format, errors);
        }
        catch (IOException e) {
            throw errors.error(null, "cannot read " + format + ": " + e.getMessage());
        }
    }

    /** {@link #parse(JsonFactory, String, String, Errors)} with a parser of the caller's (closed here). */
    public static Node parse(JsonParser source, String format, Errors errors)
    {
        try (JsonParser parser = source) {
            JsonToken first = parser.nextToken();
            Node root = readValue(parser, first, errors);
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw errors.error(location(parser.currentTokenLocation()), "unexpected content after the end of the " + format + " document");
            }
            return root;
        }
        catch (JsonEOFException e) {
            throw errors.error(location(e.getLocation()), "unexpected end of the file (the " + format + " is incomplete: was it saved only in part?)");
        }
        catch (JsonParseException e) {
            // keep Jackson's description, without its reference to the (redacted) source, nor SnakeYAML's quotes of it
            // (its indented lines)
            String description = e.getOriginalMessage().replaceAll("\\s*\\(start marker at .*$", "")
                    .lines().filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0))).collect(joining("; "));
            throw errors.error(location(e.getLocation()), "invalid " + format + ": " + description);
        }
        catch (IOException e) {
            throw errors.error(null, "cannot read " + format + ": " + e.getMessage());
        }
        catch (RuntimeException e) {
            if (e.getClass().getName().startsWith("org.yaml.snakeyaml.")) {
                // SnakeYAML reports some problems (e.g. a document over its size limits) with its own exceptions
                throw errors.error(null, "invalid " + format + ": " + e.getMessage());
            }
            throw e;
        }
    }

    private static Node select(Node root, JsonPointer pointer, String pointerText, Errors errors)
    {
        Node current = root;
        JsonPointer remaining = pointer;
        while (!remaining.matches()) {
            String property = remaining.getMatchingProperty();
            Node next = null;
            if (current instanceof ObjectNode object) {
                Field field = object.fields().get(property);
                next = field == null ? null : field.value();
            }
            else if (current instanceof ArrayNode array && remaining.getMatchingIndex() >= 0 && remaining.getMatchingIndex() < array.elements().size()) {
                next = array.elements().get(remaining.getMatchingIndex());
            }
            if (next == null) {
                throw errors.error(current.position(), "security.json-pointer '" + pointerText + "' does not exist in the file (no '" + property + "' here)");
            }
            current = next;
            remaining = remaining.tail();
        }
        return current;
    }

    private static Node readValue(JsonParser parser, JsonToken token, Errors errors)
            throws IOException
    {
        JsonLocation start = parser.currentTokenLocation();
        if (token == null) {
            throw errors.error(location(start), "unexpected end of the file (the document is incomplete)");
        }
        switch (token) {
            case START_OBJECT -> {
                Map<String, Field> fields = new LinkedHashMap<>();
                JsonToken next;
                while ((next = parser.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    Position namePosition = Position.of(parser.currentTokenLocation(), parser.currentLocation());
                    Node value = readValue(parser, parser.nextToken(), errors);
                    if (fields.containsKey(name)) {
                        throw errors.error(namePosition, "duplicate field '" + name + "' (first defined at " + fields.get(name).namePosition() + ")");
                    }
                    fields.put(name, new Field(name, namePosition, value));
                }
                if (next != JsonToken.END_OBJECT) {
                    throw errors.error(location(parser.currentTokenLocation()), "unexpected end of the file (an object is not closed)");
                }
                return new ObjectNode(fields, Position.of(start, parser.currentLocation()));
            }
            case START_ARRAY -> {
                List<Node> elements = new ArrayList<>();
                JsonToken next;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
                    if (next == null) {
                        throw errors.error(location(parser.currentLocation()), "unexpected end of the file (an array is not closed)");
                    }
                    elements.add(readValue(parser, next, errors));
                }
                return new ArrayNode(elements, Position.of(start, parser.currentLocation()));
            }
            case VALUE_STRING -> {
                return new ScalarNode(parser.getText(), token, Position.of(start, parser.currentLocation()));
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new ScalarNode(token == JsonToken.VALUE_TRUE, token, Position.of(start, parser.currentLocation()));
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return new ScalarNode(parser.getNumberValue(), token, Position.of(start, parser.currentLocation()));
            }
            case VALUE_NULL -> {
                return new ScalarNode(null, token, Position.of(start, parser.currentLocation()));
            }
            default -> throw errors.error(location(start), "unexpected token " + token);
        }
    }

    public static Position location(JsonLocation location)
    {
        if (location == null || location.getLineNr() < 0) {
            return null;
        }
        return new Position(location.getLineNr(), location.getColumnNr(), (int) location.getCharOffset(), (int) location.getCharOffset());
    }
}
