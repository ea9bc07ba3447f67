package dev.trinobundle.accesscontrol.tool;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.trinobundle.accesscontrol.rules.JsonTree;
import dev.trinobundle.accesscontrol.rules.JsonTree.ArrayNode;
import dev.trinobundle.accesscontrol.rules.JsonTree.Field;
import dev.trinobundle.accesscontrol.rules.JsonTree.Node;
import dev.trinobundle.accesscontrol.rules.JsonTree.ObjectNode;
import dev.trinobundle.accesscontrol.rules.JsonTree.Position;
import dev.trinobundle.accesscontrol.rules.JsonTree.ScalarNode;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;


/**
 * A test, identities or objects file of the tools, JSON ({@code .json}) or YAML ({@code .yaml}, {@code .yml}; any
 * other name is an error rather than a guess), as a tree that keeps line and column, with strict typed accessors:
 * every problem is an {@link InputFileException} naming the file, line, column and what to write instead.
 */
final class InputFile
{
    private static final int MAX_NESTING = 64;
    // test files are written by people for reviews; anything this big is a mistake or an attack on the parser
    private static final int MAX_CODE_POINTS = 16 * 1024 * 1024;

    private final String what;
    private final String fileName;
    private final Node root;

    private InputFile(String what, String fileName, Node root)
    {
        this.what = what;
        this.fileName = fileName;
        this.root = root;
    }

    /** {@code what} names the kind of file in errors: {@code "test file"}. */
    static InputFile read(String what, Path file)
    {
        String fileName = file.toString();
        String format = format(what, fileName);
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        }
        catch (NoSuchFileException e) {
            throw new InputFileException(what, fileName, null, "the file does not exist");
        }
        catch (IOException e) {
            throw new InputFileException(what, fileName, null, "the file cannot be read: " + e);
        }
        String text;
        try {
            text = JsonTree.strictUtf8(content);
        }
        catch (CharacterCodingException e) {
            throw new InputFileException(what, fileName, null, "the file is not valid UTF-8 text");
        }
        if (text.isBlank()) {
            throw new InputFileException(what, fileName, null, "the file is empty");
        }
        JsonTree.Errors errors = (position, problem) -> new InputFileException(what, fileName, position, problem);
        if (format.equals("JSON")) {
            return new InputFile(what, fileName, JsonTree.parse(factory(format), format, text, errors));
        }
        try {
            return new InputFile(what, fileName, JsonTree.parse(withoutAliases((YAMLParser) factory(format).createParser(text), errors), format, errors));
        }
        catch (IOException e) {
            throw errors.error(null, "cannot read YAML: " + e.getMessage());
        }
    }

    /** Jackson reads a YAML alias ({@code *base}) as the anchor's name; a test case is never meant to be that. */
    private static JsonParser withoutAliases(YAMLParser parser, JsonTree.Errors errors)
    {
        return new JsonParserDelegate(parser)
        {
            @Override
            public JsonToken nextToken()
                    throws IOException
            {
                JsonToken token = super.nextToken();
                if (parser.isCurrentAlias()) {
                    throw errors.error(JsonTree.location(parser.currentTokenLocation()), "YAML aliases (*" + parser.getText() + ") are not supported: write the value out");
                }
                return token;
            }
        };
    }

    private static String format(String what, String fileName)
    {
        String lower = fileName.toLowerCase(Locale.ENGLISH);
        if (lower.endsWith(".json")) {
            return "JSON";
        }
        if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
            return "YAML";
        }
        throw new InputFileException(what, fileName, null, "unknown format: name the file *.json (JSON) or *.yaml / *.yml (YAML)");
    }

    private static JsonFactory factory(String format)
    {
        StreamReadConstraints constraints = StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build();
        if (format.equals("JSON")) {
            return JsonFactory.builder().streamReadConstraints(constraints).build();
        }
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setMaxAliasesForCollections(0);
        options.setNestingDepthLimit(MAX_NESTING);
        return YAMLFactory.builder().loaderOptions(options).streamReadConstraints(constraints).build();
    }

    String fileName()
    {
        return fileName;
    }

    InputFileException error(Node node, String problem)
    {
        return new InputFileException(what, fileName, node == null ? null : node.position(), problem);
    }

    InputFileException error(Position position, String problem)
    {
        return new InputFileException(what, fileName, position, problem);
    }

    ObjectNode rootObject(String shape)
    {
        return object(root, "the " + what, shape);
    }

    ObjectNode object(Node node, String path, String shape)
    {
        if (node instanceof ObjectNode object) {
            return object;
        }
        throw error(node, path + " must be an object (" + shape + "), not " + describe(node));
    }

    /** Every field must be one of {@code allowed}. */
    void checkFields(ObjectNode node, String path, Collection<String> allowed)
    {
        for (Field field : node.fields().values()) {
            if (!allowed.contains(field.name())) {
                throw error(field.namePosition(), "unknown field '" + field.name() + "' in " + path + "; allowed: " + String.join(", ", allowed));
            }
        }
    }

    /** The field's value, or null when it is absent or null. */
    static Node optional(ObjectNode node, String name)
    {
        Field field = node.fields().get(name);
        return field == null || field.value() instanceof ScalarNode scalar && scalar.value() == null ? null : field.value();
    }

    Node required(ObjectNode node, String path, String name, String hint)
    {
        Node value = optional(node, name);
        if (value == null) {
            throw error(node, "'" + name + "' is required in " + path + " (" + hint + ")");
        }
        return value;
    }

    String string(Node value, String path, String name)
    {
        if (value instanceof ScalarNode(String text, var token, var position)) {
            return text;
        }
        throw error(value, "'" + name + "' in " + path + " must be a string, not " + describe(value) + (value instanceof ScalarNode ? " (quote it)" : ""));
    }

    String optionalString(ObjectNode node, String path, String name)
    {
        Node value = optional(node, name);
        return value == null ? null : string(value, path, name);
    }

    List<String> strings(Node value, String path, String name)
    {
        if (!(value instanceof ArrayNode array)) {
            throw error(value, "'" + name + "' in " + path + " must be a list of strings, not " + describe(value));
        }
        List<String> strings = new ArrayList<>();
        for (Node element : array.elements()) {
            strings.add(string(element, path, name + " element"));
        }
        return strings;
    }

    List<String> optionalStrings(ObjectNode node, String path, String name)
    {
        Node value = optional(node, name);
        return value == null ? List.of() : strings(value, path, name);
    }

    List<Node> list(Node value, String path, String shape)
    {
        if (value instanceof ArrayNode array) {
            return array.elements();
        }
        throw error(value, path + " must be a list (" + shape + "), not " + describe(value));
    }

    static String describe(Node node)
    {
        return switch (node) {
            case ObjectNode object -> "an object";
            case ArrayNode array -> "a list";
            case ScalarNode(String text, var token, var position) -> "the string \"" + text + "\"";
            case ScalarNode(Boolean bool, var token, var position) -> bool.toString();
            case ScalarNode(Number number, var token, var position) -> "the number " + number;
            case ScalarNode scalar -> "null";
        };
    }
}
