package dev.trinobundle.benchmarks.accesscontrol;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.trino.spi.connector.SchemaTableName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * A realistic rules file in Trino's file-based access control format, plus the objects the benchmark filters.
 * <p>
 * Each section ({@code impersonation}, {@code catalogs}, {@code schemas}, {@code tables}) holds {@code ruleCount}
 * rules. All but the last one or two belong to other teams (user regexes such as {@code team_17_.*} and groups such as
 * {@code group_18}) and never match the benchmark user, so every decision has to scan past them: the rules that grant
 * the benchmark user anything sit at the end of each section, which is the worst case for a first-match-wins scan and
 * the usual shape of a real file (specific team rules first, broad group rules last).
 * <p>
 * The benchmark user {@link #USER} is in the groups {@link #GROUPS}; {@link #IMPERSONATING_USER} is the BI gateway
 * that logs in and runs queries as {@link #IMPERSONATED_USER}.
 */
final class GeneratedRules
{
    static final String USER = "analyst_007";
    static final Set<String> GROUPS = ImmutableSet.of("analysts", "emea");
    static final String IMPERSONATING_USER = "bi-gateway";
    static final String IMPERSONATED_USER = "alice@example.com";

    // The catalog every schema and table below lives in; visible to the analysts group.
    static final String CATALOG = "cat_001";
    // A catalog the analysts may read, for the single catalog check (the granting rule is the last one).
    static final String ACCESSIBLE_CATALOG = "cat_042";
    static final String SELECTED_TABLE_SCHEMA = "sales_042";
    static final String SELECTED_TABLE = "fact_17";
    // Column "ssn" is denied by the granting rule; these are all allowed, so the check passes.
    static final Set<String> SELECTED_COLUMNS = ImmutableSet.of("id", "region", "amount", "email", "ordered_at");

    // cat_000 .. cat_049 are readable by the analysts group, cat_050 .. cat_099 are not, and "system" is readable
    // through the rule Trino appends to every catalogs section.
    static final Set<String> CATALOGS = catalogs();
    static final int VISIBLE_CATALOGS = 51;

    // sales_* are visible through the analysts' table rule, scratch_* through their schema ownership, hr_* not at all.
    static final Set<String> SCHEMAS = schemas();
    static final int VISIBLE_SCHEMAS = 900;

    // 100 schemas x 100 tables: fact_* and dim_* are granted (7,000), tmp_* are explicitly denied (3,000).
    static final Set<SchemaTableName> TABLES = tables();
    static final int VISIBLE_TABLES = 7_000;

    private GeneratedRules() {}

    static String rulesJson(int ruleCount)
    {
        checkArgument(ruleCount >= 10, "ruleCount must be at least 10: %s", ruleCount);
        Map<String, Object> rules = ImmutableMap.of(
                "impersonation", impersonationRules(ruleCount),
                "catalogs", catalogRules(ruleCount),
                "schemas", schemaRules(ruleCount),
                "tables", tableRules(ruleCount));
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rules);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Map<String, Object>> impersonationRules(int ruleCount)
    {
        ImmutableList.Builder<Map<String, Object>> rules = ImmutableList.builder();
        for (int i = 0; i < ruleCount - 1; i++) {
            if (i % 2 == 0) {
                // Service accounts may act as their team's sandbox users: exercises the $1 back-reference.
                rules.add(ImmutableMap.of(
                        "original_user", "team_%d_(.*)".formatted(i),
                        "new_user", "team_%d_$1_sandbox".formatted(i)));
            }
            else {
                rules.add(ImmutableMap.of(
                        "original_role", "impersonator_%d".formatted(i),
                        "new_user", "team_%d_.*".formatted(i)));
            }
        }
        // The seed's rule: the BI gateway may run queries as any company user.
        rules.add(ImmutableMap.of(
                "original_user", "bi-gateway|admin",
                "new_user", ".*@example\\.com"));
        return rules.build();
    }

    private static List<Map<String, Object>> catalogRules(int ruleCount)
    {
        ImmutableList.Builder<Map<String, Object>> rules = ImmutableList.builder();
        for (int i = 0; i < ruleCount - 1; i++) {
            if (i % 2 == 0) {
                rules.add(ImmutableMap.of(
                        "user", "team_%d_.*".formatted(i),
                        "catalog", "team_%d_.*".formatted(i),
                        "allow", "all"));
            }
            else {
                rules.add(ImmutableMap.of(
                        "group", "group_%d".formatted(i),
                        "catalog", "cat_\\d*%d".formatted(i),
                        "allow", "read-only"));
            }
        }
        rules.add(ImmutableMap.of(
                "group", "analysts",
                "catalog", "cat_0[0-4]\\d",
                "allow", "read-only"));
        return rules.build();
    }

    private static List<Map<String, Object>> schemaRules(int ruleCount)
    {
        ImmutableList.Builder<Map<String, Object>> rules = ImmutableList.builder();
        for (int i = 0; i < ruleCount - 1; i++) {
            if (i % 2 == 0) {
                rules.add(ImmutableMap.of(
                        "user", "team_%d_.*".formatted(i),
                        "catalog", "team_%d_.*".formatted(i),
                        "owner", true));
            }
            else {
                rules.add(ImmutableMap.of(
                        "group", "group_%d".formatted(i),
                        "schema", "scratch_%d".formatted(i),
                        "owner", true));
            }
        }
        rules.add(ImmutableMap.of(
                "group", "analysts",
                "catalog", "cat_0[0-4]\\d",
                "schema", "scratch_.*",
                "owner", true));
        return rules.build();
    }

    private static List<Map<String, Object>> tableRules(int ruleCount)
    {
        ImmutableList.Builder<Map<String, Object>> rules = ImmutableList.builder();
        for (int i = 0; i < ruleCount - 2; i++) {
            if (i % 2 == 0) {
                rules.add(ImmutableMap.of(
                        "user", "team_%d_.*".formatted(i),
                        "catalog", "team_%d_.*".formatted(i),
                        "schema", "sales_.*",
                        "privileges", ImmutableList.of("SELECT", "INSERT", "DELETE", "UPDATE")));
            }
            else {
                rules.add(ImmutableMap.of(
                        "group", "group_%d".formatted(i),
                        "catalog", "cat_.*",
                        "schema", "sales_%d\\d*".formatted(i),
                        "table", "fact_.*",
                        "privileges", ImmutableList.of("SELECT")));
            }
        }
        rules.add(ImmutableMap.of(
                "group", "analysts",
                "catalog", "cat_0[0-4]\\d",
                "schema", "sales_\\d+",
                "table", "(fact|dim)_.*",
                "privileges", ImmutableList.of("SELECT"),
                "columns", ImmutableList.of(
                        ImmutableMap.of("name", "ssn", "allow", false),
                        ImmutableMap.of("name", "email", "mask", "'***'")),
                "filter", "region = 'EMEA'"));
        // Staging tables are explicitly denied to the group: a matching rule without privileges.
        rules.add(ImmutableMap.of(
                "group", "analysts",
                "catalog", "cat_0[0-4]\\d",
                "schema", "sales_\\d+",
                "table", "tmp_.*",
                "privileges", ImmutableList.of()));
        return rules.build();
    }

    private static Set<String> catalogs()
    {
        ImmutableSet.Builder<String> catalogs = ImmutableSet.builder();
        for (int i = 0; i < 100; i++) {
            catalogs.add("cat_%03d".formatted(i));
        }
        catalogs.add("system");
        return catalogs.build();
    }

    private static Set<String> schemas()
    {
        ImmutableSet.Builder<String> schemas = ImmutableSet.builder();
        for (int i = 0; i < 800; i++) {
            schemas.add("sales_%03d".formatted(i));
        }
        for (int i = 0; i < 100; i++) {
            schemas.add("scratch_%03d".formatted(i));
            schemas.add("hr_%03d".formatted(i));
        }
        return schemas.build();
    }

    private static Set<SchemaTableName> tables()
    {
        ImmutableSet.Builder<SchemaTableName> tables = ImmutableSet.builder();
        for (int schema = 0; schema < 100; schema++) {
            String schemaName = "sales_%03d".formatted(schema);
            for (int i = 0; i < 40; i++) {
                tables.add(new SchemaTableName(schemaName, "fact_%02d".formatted(i)));
            }
            for (int i = 0; i < 30; i++) {
                tables.add(new SchemaTableName(schemaName, "dim_%02d".formatted(i)));
                tables.add(new SchemaTableName(schemaName, "tmp_%02d".formatted(i)));
            }
        }
        return tables.build();
    }
}
