package main

import (
	"strings"
	"testing"
)

func TestGinIndexName(t *testing.T) {
	long := strings.Repeat("t", 54) + "_0123abcd" // FerretDB's longest table names: 63 chars
	for _, table := range []string{"jobs_e407107d", long} {
		name := ginIndexName(table, "taskId")
		if len(name) > 63 {
			t.Errorf("%q: %d chars, PostgreSQL truncates names to 63", name, len(name))
		}
		if !ginIndexNameRE.MatchString(name) {
			t.Errorf("%q does not match %s", name, ginIndexNameRE)
		}
		if strings.HasSuffix(name, "_idx") {
			t.Errorf("%q ends like FerretDB's own index names", name)
		}
		if name != ginIndexName(table, "taskId") {
			t.Errorf("%q: not deterministic", name)
		}
		if name == ginIndexName(table, "taskid") {
			t.Errorf("%q: same name for another field", name)
		}
	}
	if ginIndexName(long, "a") == ginIndexName(long[:62]+"x", "a") {
		t.Error("tables that differ after the 40-char prefix share a name")
	}
}

func TestGinFieldExpr(t *testing.T) {
	if got, want := ginFieldExpr("taskId"), `(_jsonb -> 'taskId')`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := ginFieldExpr("it's"), `(_jsonb -> 'it''s')`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestGinIndexedField(t *testing.T) {
	for field, want := range map[string]bool{
		"_id": true, "taskId": true, "upload.syncStatus": false, "$**": false, "": false,
	} {
		if got := ginIndexedField(field); got != want {
			t.Errorf("ginIndexedField(%q) = %v, want %v", field, got, want)
		}
	}
}

func TestWithPlannerSettings(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://postgres@127.0.0.1:5432/ferretdb":                       "postgres://postgres@127.0.0.1:5432/ferretdb?enable_seqscan=off&plan_cache_mode=force_custom_plan",
		"postgres://u@h/db?pool_max_conns=5":                                "postgres://u@h/db?enable_seqscan=off&plan_cache_mode=force_custom_plan&pool_max_conns=5",
		"postgresql://u@h/db?plan_cache_mode=auto&enable_seqscan=on":        "postgresql://u@h/db?enable_seqscan=on&plan_cache_mode=auto",
		"host=127.0.0.1 dbname=ferretdb":                                    "host=127.0.0.1 dbname=ferretdb plan_cache_mode=force_custom_plan enable_seqscan=off",
		"host=127.0.0.1 dbname=ferretdb plan_cache_mode=force_generic_plan": "host=127.0.0.1 dbname=ferretdb plan_cache_mode=force_generic_plan enable_seqscan=off",
	} {
		got, err := withPlannerSettings(in)
		if err != nil || got != want {
			t.Errorf("withPlannerSettings(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
