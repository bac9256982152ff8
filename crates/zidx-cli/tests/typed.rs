//! Typed values from the command line (format 1.3): `build --schema` from
//! CSV and JSON Lines, `get --json`, `dump --json` and `inspect` of typed
//! files. Build errors on typed input are in build_errors.rs.
//!
//! The snapshots were checked by hand: the golden files' values against
//! `testdata/typed_golden.rs` (`fruit(i, key, value)` of each line of
//! testdata/spec-example.tsv and fruit.tsv), their layout against SPEC.md
//! §13.5; the countries' values against their lines of
//! testdata/countries.csv.

mod common;

use std::path::PathBuf;

use common::*;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

fn text(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The schema of the README's walkthrough.
/// The schema of the README's walkthrough: fields in an order that needs
/// no padding, so that the Rust struct below has none.
const COUNTRIES: &str =
    "lat:f64,lon:f64,numeric:u16,zones:u8,alpha3:str[3],name:str[48],tz:str[34]";

/// The README's struct for [`COUNTRIES`].
#[derive(
    Debug, zerocopy::FromBytes, zerocopy::IntoBytes, zerocopy::KnownLayout, zerocopy::Immutable,
)]
#[repr(C)]
struct Country {
    lat: f64,
    lon: f64,
    numeric: u16,
    zones: u8,
    alpha3: [u8; 3],
    name: [u8; 48],
    tz: [u8; 34],
}
zidx::impl_schema!(Country {
    lat: f64,
    lon: f64,
    numeric: u16,
    zones: u8,
    alpha3: str[3],
    name: str[48],
    tz: str[34]
});

/// The README's library example: the file the CLI built, read as
/// `&Country` in place.
#[test]
fn the_cli_built_table_reads_as_a_struct() {
    let dir = tempdir();
    let index = countries(dir.path());
    let table = zidx::TypedIndex::<Country>::open(&index).unwrap();
    let fr: &Country = table.get(b"FR").unwrap().unwrap();
    assert_eq!((fr.numeric, fr.zones, &fr.alpha3), (250, 1, b"FRA"));
    assert_eq!((fr.lat, fr.lon), (48.8667, 2.3333));
    assert_eq!(zidx::str_text(&fr.name), Ok("France"));
    assert_eq!(zidx::str_text(&fr.tz), Ok("Europe/Paris"));
    assert!(table.get(b"XX").unwrap().is_none());
    let north = table
        .iter()
        .filter(|r| r.as_ref().is_ok_and(|(_, c)| c.lat > 60.0))
        .count();
    assert_eq!(north, 6); // awk -F, 'NR>1 && $5>60' testdata/countries.csv
    assert_eq!(std::mem::size_of::<Country>(), 104);
}

/// Builds the bundled countries table, as the README does.
fn countries(dir: &std::path::Path) -> PathBuf {
    let out = dir.join("countries.zidx");
    zidx(args([
        &"build",
        &testdata("countries.csv"),
        &"--key",
        &"code",
        &"--schema",
        &COUNTRIES,
        &"-o",
        &out,
    ]))
    .ok();
    out
}

#[test]
fn inspect_shows_the_schema_of_golden_typed_files() {
    for name in [
        "spec-example.typed",
        "fruit.typed-multi",
        "spec-example.typed-align64",
    ] {
        let file = testdata(&format!("v1.3/{name}.zidx"));
        let out = zidx(args([&"inspect", &file]));
        out.ok();
        insta::assert_snapshot!(format!("inspect_v1.3_{name}"), text(&out));
        let out = zidx(args([&"inspect", &"--json", &file]));
        out.ok();
        insta::assert_snapshot!(format!("inspect_json_v1.3_{name}"), text(&out));
    }
}

#[test]
fn get_and_dump_json_of_golden_typed_files() {
    let file = testdata("v1.3/spec-example.typed.zidx");
    let one = zidx(args([&"get", &file, &"apple", &"--json"]));
    one.ok();
    insta::assert_snapshot!("get_json_v1.3_spec-example_apple", text(&one));
    let several = zidx(args([
        &"get", &file, &"apple", &"kiwi", &"banana", &"--json",
    ]));
    several.code(1);
    assert_eq!(several.stderr, "zidx: key not found: \"kiwi\"\n");
    insta::assert_snapshot!("get_json_v1.3_spec-example_several", text(&several));
    let dump = zidx(args([&"dump", &file, &"--json"]));
    dump.ok();
    insta::assert_snapshot!("dump_json_v1.3_spec-example", text(&dump));
    // Several values per key: --all prints each, in insertion order.
    let multi = testdata("v1.3/fruit.typed-multi.zidx");
    let all = zidx(args([&"get", &multi, &"banana", &"--all", &"--json"]));
    all.ok();
    insta::assert_snapshot!("get_json_all_v1.3_fruit_banana", text(&all));
}

#[test]
fn countries_walkthrough() {
    let dir = tempdir();
    let index = countries(dir.path());
    let out = zidx(args([&"get", &index, &"FR", &"JP", &"NZ", &"--json"]));
    out.ok();
    insta::assert_snapshot!("get_json_countries", text(&out));
    // The values are the CSV's: FR's line, field by field.
    let fr = zidx(args([&"get", &index, &"FR", &"--json"]));
    let fr: serde_json::Value = serde_json::from_slice(&fr.ok().stdout).unwrap();
    assert_eq!(
        fr,
        serde_json::json!({"alpha3": "FRA", "numeric": 250, "name": "France",
            "lat": 48.8667, "lon": 2.3333, "zones": 1, "tz": "Europe/Paris"})
    );
    let inspect = zidx(args([&"inspect", &index]));
    let inspect = text(inspect.ok());
    assert!(inspect.contains("format version   1.3"), "{inspect}");
    assert!(
        inspect.contains(&format!("value schema     {COUNTRIES} (size 104, align 8")),
        "{inspect}"
    );
    zidx(args([&"verify", &index])).ok().stdout_is("ok\n");
}

/// `dump --json` read back by `build --format jsonl --value value` with the
/// same schema gives the same file, byte for byte.
#[test]
fn dump_json_builds_the_same_file() {
    let dir = tempdir();
    let index = countries(dir.path());
    let dump = zidx(args([&"dump", &index, &"--json"]));
    dump.ok();
    assert_eq!(dump.stdout.iter().filter(|&&b| b == b'\n').count(), 249);
    let copy = dir.path().join("copy.zidx");
    zidx_stdin(
        args([
            &"build",
            &"-",
            &"--format",
            &"jsonl",
            &"--value",
            &"value",
            &"--schema",
            &COUNTRIES,
            &"-o",
            &copy,
        ]),
        &dump.stdout,
    )
    .ok();
    assert!(std::fs::read(&index).unwrap() == std::fs::read(&copy).unwrap());
    // The golden files too (every type, arrays and bytes included).
    let golden = testdata("v1.3/spec-example.typed.zidx");
    let dump = zidx(args([&"dump", &golden, &"--json"]));
    let schema = "weight_g:u64,count:u32,rating:f32,ripe:bool,color:str[12],tag:bytes[2],dims:u16[3],temp:i16";
    let copy = dir.path().join("golden-copy.zidx");
    zidx_stdin(
        args([
            &"build",
            &"-",
            &"--format",
            &"jsonl",
            &"--value",
            &"value",
            &"--schema",
            &schema,
            &"-o",
            &copy,
        ]),
        &dump.ok().stdout,
    )
    .ok();
    let again = zidx(args([&"dump", &copy, &"--json"]));
    assert_eq!(again.ok().stdout, dump.stdout);
}

/// Columns the schema leaves out are named on stderr, never dropped
/// silently; the build still succeeds.
#[test]
fn columns_not_in_the_schema_are_named() {
    let dir = tempdir();
    let out = dir.path().join("c.zidx");
    let got = zidx(args([
        &"build",
        &testdata("countries.csv"),
        &"--key",
        &"code",
        &"--schema",
        &"name:str[48]",
        &"-o",
        &out,
    ]));
    got.code(0);
    assert_eq!(
        got.stderr,
        "zidx: not stored (not in the schema): \"alpha3\", \"lat\", \"lon\", \"numeric\", \"tz\", \"zones\"\n"
    );
    zidx(args([&"get", &out, &"DE", &"--json"]))
        .ok()
        .stdout_is("{\"name\":\"Germany\"}\n");
}

#[test]
fn json_needs_a_typed_index_and_utf8_keys() {
    let dir = tempdir();
    let plain = build_tsv(dir.path(), "plain.zidx", "a\t1\n");
    let got = zidx(args([&"get", &plain, &"a", &"--json"]));
    got.code(2);
    assert!(got.stderr.contains("this index has none"), "{}", got.stderr);
    let got = zidx(args([&"dump", &plain, &"--json"]));
    got.code(2);
    assert!(got.stdout.is_empty());
    // A key that is not UTF-8 stops the dump, naming the record.
    let typed = dir.path().join("t.zidx");
    zidx_stdin(
        args([
            &"build",
            &"-",
            &"--format",
            &"csv",
            &"--schema",
            &"n:u8",
            &"-o",
            &typed,
        ]),
        b"k,n\na,1\n\xff,2\n",
    )
    .ok();
    let got = zidx(args([&"dump", &typed, &"--json"]));
    got.code(2);
    assert!(
        got.stderr
            .contains("record 2 (key \"\u{fffd}\"): its key is not UTF-8"),
        "{}",
        got.stderr
    );
    assert!(got
        .stdout
        .starts_with(b"{\"key\":\"a\",\"value\":{\"n\":1}}\n"));
}

/// `--schema` needs format 1.3: asking for an older one is refused before
/// anything is written, and the default writes 1.3 only for typed builds.
#[test]
fn schema_and_format_versions() {
    let dir = tempdir();
    let out = dir.path().join("t.zidx");
    let got = zidx_stdin(
        args([
            &"build",
            &"-",
            &"--format",
            &"csv",
            &"--schema",
            &"n:u8",
            &"--format-version",
            &"1.2",
            &"-o",
            &out,
        ]),
        b"k,n\na,1\n",
    );
    got.code(2);
    assert!(
        got.stderr.contains("--schema needs format 1.3"),
        "{}",
        got.stderr
    );
    assert!(!out.exists());
    let plain = build_tsv(dir.path(), "plain.zidx", "a\t1\n");
    assert_eq!(inspect_json(&plain)["version"], "1.1");
    let got = zidx(args([
        &"build",
        &"x.csv",
        &"--schema",
        &"n:u99",
        &"-o",
        &out,
    ]));
    got.code(2);
    assert!(
        got.stderr.contains("unknown type \"u99\""),
        "{}",
        got.stderr
    );
}

/// What `build --schema` says about values that do not fit, one case a
/// line (input, then stderr), all exiting 2 with nothing written; each
/// message checked against its input when accepted: the line, the column or
/// field, the type and the offending text.
#[test]
fn typed_build_errors() {
    let dir = tempdir();
    let out = dir.path().join("t.zidx");
    let schema = "cents:u32,stock:i16,name:str[8],ok:bool,ratio:f32,tag:bytes[2],dims:u8[2]";
    let mut report = String::new();
    for (format, input) in [
        ("csv", "sku,cents,stock,name,ok,ratio,tag,dims\nA1,-5,1,fig,true,1,beef,\"[1,2]\"\n"),
        ("csv", "sku,cents,stock,name,ok,ratio,tag,dims\nA1,5,32768,fig,true,1,beef,\"[1,2]\"\n"),
        ("csv", "sku,cents,stock,name,ok,ratio,tag,dims\nA1,5,1,é-é-é-é,true,1,beef,\"[1,2]\"\n"),
        ("csv", "sku,cents,stock,name,ok,ratio,tag,dims\nA1,5,1,fig,yes,1,beef,\"[1,2]\"\n"),
        ("csv", "sku,cents,stock,name,ok,ratio,tag,dims\nA1,5,1,fig,true,nan,beef,\"[1,2]\"\n"),
        ("csv", "sku,cents,stock,name,ok,ratio,tag,dims\nA1,5,1,fig,true,1,bee,\"[1,2]\"\n"),
        ("csv", "sku,cents,stock,name,ok,ratio,tag,dims\nA1,5,1,fig,true,1,beef,\"[1,2,3]\"\n"),
        ("csv", "sku,cents,stock,name,ok,ratio,tag\nA1,5,1,fig,true,1,beef\n"),
        ("jsonl", "{\"key\":\"A1\",\"cents\":1.5,\"stock\":1,\"name\":\"fig\",\"ok\":true,\"ratio\":1,\"tag\":\"beef\",\"dims\":[1,2]}\n"),
        ("jsonl", "{\"key\":\"A1\",\"cents\":1,\"stock\":1,\"name\":\"fig\",\"ok\":true,\"ratio\":1e39,\"tag\":\"beef\",\"dims\":[1,2]}\n"),
        ("jsonl", "{\"key\":\"A1\",\"cents\":1,\"stock\":1,\"name\":\"f\\u0000g\",\"ok\":true,\"ratio\":1,\"tag\":\"beef\",\"dims\":[1,2]}\n"),
        ("jsonl", "{\"key\":\"A1\",\"cents\":1,\"stock\":1,\"name\":\"fig\",\"ok\":true,\"ratio\":1,\"tag\":\"beef\",\"dims\":[1,256]}\n"),
    ] {
        let input = input.replace("\"key\"", "\"sku\"");
        let got = zidx_stdin(
            args([&"build", &"-", &"--format", &format, &"--key", &"sku", &"--schema", &schema, &"-o", &out]),
            &input,
        );
        got.code(2);
        assert!(!out.exists(), "{input}");
        report.push_str(&format!("{format}: {}\n  {}\n", input.lines().last().unwrap(), got.stderr.trim_end()));
    }
    insta::assert_snapshot!("typed_build_errors", report);
}
