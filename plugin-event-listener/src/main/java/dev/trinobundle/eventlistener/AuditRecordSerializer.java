package dev.trinobundle.eventlistener;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.inject.Inject;
import io.trino.spi.ErrorCode;
import io.trino.spi.eventlistener.ColumnInfo;
import io.trino.spi.eventlistener.OutputColumnMetadata;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryContext;
import io.trino.spi.eventlistener.QueryCreatedEvent;
import io.trino.spi.eventlistener.QueryFailureInfo;
import io.trino.spi.eventlistener.QueryInputMetadata;
import io.trino.spi.eventlistener.QueryMetadata;
import io.trino.spi.eventlistener.QueryOutputMetadata;
import io.trino.spi.eventlistener.QueryStatistics;
import io.trino.spi.eventlistener.TableInfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Maps Trino's query events to the body of an audit record (see the module README) in a fixed field order, so equal
 * events give equal bytes; Jackson escapes U+0000 and lone surrogates. Only members of both the 476 and 477 SPI: no
 * {@code QueryStatistics.getTotalBytes/getTotalRows}, no {@code getCatalogVersion}, no lazy payloads or plans.
 */
public final class AuditRecordSerializer
{
    private static final JsonFactory JSON = new JsonFactory();

    private final int maxQueryTextLength;

    @Inject
    public AuditRecordSerializer(AuditEventListenerConfig config)
    {
        this.maxQueryTextLength = config.getMaxQueryTextLength();
    }

    byte[] write(QueryCreatedEvent event)
    {
        return write("created", event.getCreateTime(), event.getMetadata(), event.getContext(), Optional.empty(), null, event.getCreateTime(), null, null, List.of(), Optional.empty());
    }

    byte[] write(QueryCompletedEvent event)
    {
        return write("completed", event.getEndTime(), event.getMetadata(), event.getContext(), event.getFailureInfo(), event.getStatistics(),
                event.getCreateTime(), event.getExecutionStartTime(), event.getEndTime(), event.getIoMetadata().getInputs(), event.getIoMetadata().getOutput());
    }

    private byte[] write(String kind, Instant eventTime, QueryMetadata metadata, QueryContext context, Optional<QueryFailureInfo> failure, QueryStatistics statistics,
            Instant createTime, Instant executionStartTime, Instant endTime, List<QueryInputMetadata> inputs, Optional<QueryOutputMetadata> output)
    {
        ByteArrayOutputStream body = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = JSON.createGenerator(body)) {
            g.writeStartObject();
            g.writeStringField("kind", kind);
            g.writeStringField("eventTime", Objects.toString(eventTime, null));
            g.writeObjectFieldStart("identity");
            g.writeStringField("principal", context.getPrincipal().orElse(null));
            g.writeStringField("user", context.getUser());
            g.writeStringField("originalUser", context.getOriginalUser());
            // Principal absent means no authenticated identity (e.g. insecure cluster), which cannot prove impersonation.
            g.writeBooleanField("impersonated", context.getPrincipal().map(principal -> !principal.equals(context.getUser())).orElse(false));
            sorted(g, "groups", context.getGroups());
            sorted(g, "roles", context.getEnabledRoles());
            sorted(g, "originalRoles", context.getOriginalRoles());
            g.writeEndObject();
            g.writeObjectFieldStart("client");
            // the client's own headers: cut like the query text, so that no header makes a record unbounded
            g.writeStringField("source", context.getSource().map(this::cut).orElse(null));
            g.writeStringField("clientInfo", context.getClientInfo().map(this::cut).orElse(null));
            sorted(g, "tags", context.getClientTags());
            g.writeStringField("userAgent", context.getUserAgent().map(this::cut).orElse(null));
            g.writeStringField("remoteAddress", context.getRemoteClientAddress().orElse(null));
            g.writeStringField("traceToken", context.getTraceToken().map(this::cut).orElse(null));
            g.writeEndObject();
            writeQuery(g, metadata, context, failure, statistics, createTime, executionStartTime, endTime);
            g.writeObjectFieldStart("objects");
            g.writeArrayFieldStart("read");
            for (QueryInputMetadata input : inputs) {
                writeTable(g, input.getCatalogName(), input.getSchema(), input.getTable(), input.getColumns(), QueryInputMetadata.Column::name);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("written");
            if (output.isPresent()) {
                writeTable(g, output.get().getCatalogName(), output.get().getSchema(), output.get().getTable(),
                        output.get().getColumns().orElse(List.of()), OutputColumnMetadata::getColumnName);
                g.writeEndObject();
            }
            g.writeEndArray();
            // as analyzed, with the columns referenced: covers queries that fail before reading, e.g. access denied
            g.writeArrayFieldStart("referenced");
            for (TableInfo table : metadata.getTables()) {
                writeTable(g, table.getCatalog(), table.getSchema(), table.getTable(), table.getColumns(), ColumnInfo::getColumn);
                g.writeBooleanField("directlyReferenced", table.isDirectlyReferenced());
                g.writeStringField("authorization", table.getAuthorization());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeObjectFieldStart("server");
            g.writeStringField("environment", context.getEnvironment());
            g.writeStringField("version", context.getServerVersion());
            g.writeStringField("address", context.getServerAddress());
            g.writeEndObject();
            g.writeEndObject();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return body.toByteArray();
    }

    private void writeQuery(JsonGenerator g, QueryMetadata metadata, QueryContext context, Optional<QueryFailureInfo> failure, QueryStatistics statistics,
            Instant createTime, Instant executionStartTime, Instant endTime)
            throws IOException
    {
        g.writeObjectFieldStart("query");
        g.writeStringField("id", metadata.getQueryId());
        String sql = metadata.getQuery();
        g.writeStringField("sql", cut(sql));
        g.writeBooleanField("sqlTruncated", sql.length() > maxQueryTextLength);
        g.writeNumberField("sqlLength", sql.length());
        g.writeStringField("type", context.getQueryType().map(Enum::name).orElse(null));
        g.writeStringField("updateType", metadata.getUpdateType().orElse(null));
        g.writeStringField("catalog", context.getCatalog().orElse(null));
        g.writeStringField("schema", context.getSchema().orElse(null));
        g.writeStringField("resourceGroup", context.getResourceGroupId().map(Object::toString).orElse(null));
        g.writeStringField("state", metadata.getQueryState());
        if (failure.isPresent()) {
            ErrorCode errorCode = failure.get().getErrorCode();
            g.writeObjectFieldStart("error");
            g.writeStringField("code", errorCode.getName());
            g.writeNumberField("codeNumber", errorCode.getCode());
            g.writeStringField("type", errorCode.getType().name());
            g.writeStringField("failureType", failure.get().getFailureType().orElse(null));
            // cut like the query text: an error message may quote a value the query built, megabytes long
            g.writeStringField("message", failure.get().getFailureMessage().map(this::cut).orElse(null));
            g.writeEndObject();
        }
        else {
            g.writeNullField("error");
        }
        g.writeStringField("createTime", Objects.toString(createTime, null));
        g.writeStringField("executionStartTime", Objects.toString(executionStartTime, null));
        g.writeStringField("endTime", Objects.toString(endTime, null));
        // writeObjectField writes a Long, or null, without an ObjectMapper
        g.writeObjectField("wallTimeMillis", statistics == null ? null : statistics.getWallTime().toMillis());
        g.writeObjectField("cpuTimeMillis", statistics == null ? null : statistics.getCpuTime().toMillis());
        g.writeObjectField("queuedTimeMillis", statistics == null ? null : statistics.getQueuedTime().toMillis());
        g.writeObjectField("rowsRead", statistics == null ? null : statistics.getPhysicalInputRows());
        g.writeObjectField("bytesRead", statistics == null ? null : statistics.getPhysicalInputBytes());
        g.writeObjectField("rowsWritten", statistics == null ? null : statistics.getWrittenRows());
        g.writeObjectField("bytesWritten", statistics == null ? null : statistics.getWrittenBytes());
        g.writeObjectField("rowsReturned", statistics == null ? null : statistics.getOutputRows());
        g.writeEndObject();
    }

    // the caller ends the object
    private static <C> void writeTable(JsonGenerator g, String catalog, String schema, String table, List<C> columns, Function<C, String> columnName)
            throws IOException
    {
        g.writeStartObject();
        g.writeStringField("catalog", catalog);
        g.writeStringField("schema", schema);
        g.writeStringField("table", table);
        g.writeArrayFieldStart("columns");
        for (C column : columns) {
            g.writeString(columnName.apply(column));
        }
        g.writeEndArray();
    }

    // at most audit.query-text.max-length characters, never half a surrogate pair: the kept text stays valid Unicode
    private String cut(String text)
    {
        if (text.length() <= maxQueryTextLength) {
            return text;
        }
        return text.substring(0, maxQueryTextLength > 0 && Character.isHighSurrogate(text.charAt(maxQueryTextLength - 1)) ? maxQueryTextLength - 1 : maxQueryTextLength);
    }

    private static void sorted(JsonGenerator g, String name, Collection<String> values)
            throws IOException
    {
        // Trino hands out unordered sets; sorting keeps the serialized bytes of equal records equal.
        g.writeArrayFieldStart(name);
        for (String value : values.size() == 1 ? values : values.stream().sorted().toList()) {
            g.writeString(value);
        }
        g.writeEndArray();
    }
}
