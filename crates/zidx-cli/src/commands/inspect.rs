//! `zidx inspect`.

use std::io::{self, Write};
use std::process::ExitCode;

use serde_json::json;
use zidx::{FileLayout, HashStats};

use crate::cli::InspectArgs;
use crate::commands::open_index;
use crate::commands::target::Target;
use crate::failure::{Failure, Outcome};

/// Runs `zidx inspect`.
pub fn run(args: InspectArgs) -> Outcome {
    if zidx::is_manifest(&args.index) {
        return inspect_set(&args);
    }
    let text = match crate::commands::url_of(&args.index) {
        Some(url) => report(&crate::commands::open_url(url)?, &args)?,
        None => report(&open_index(&args.index, args.read.no_mmap)?, &args)?,
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Failure::stdout)?;
    Ok(ExitCode::SUCCESS)
}

/// The report of one index, over any storage.
fn report<S: zidx::Storage>(index: &zidx::Index<S>, args: &InspectArgs) -> Result<String, Failure> {
    let layout = index.layout();
    let fail = |e: zidx::Error| Failure::error(format!("{}: {e}", args.index.display()));
    let stats = index.hash_stats().map_err(fail)?;
    let overhead = overhead_bytes(index).map_err(fail)?;
    Ok(if args.json {
        json_report(layout, &stats, overhead)
    } else {
        text_report(layout, &stats, overhead)
    })
}

/// `zidx inspect` of a set: the manifest, and each shard's line.
fn inspect_set(args: &InspectArgs) -> Outcome {
    let Target::Set(set) = Target::open(&args.index, args.read.no_mmap)? else {
        return Err(Failure::error(format!(
            "{}: not a set",
            args.index.display()
        )));
    };
    let m = set.manifest();
    let text = if args.json {
        let shards: Vec<_> = m
            .shards()
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "records": s.record_count,
                    "file_length": s.file_len,
                    "header_checksum": format!("{:#018x}", s.header_checksum),
                })
            })
            .collect();
        let report = json!({
            "set": {
                "manifest_version": "1.0",
                "shard_count": m.shard_count(),
                "routing": "xxh3-multiply",
                "routing_seed": m.routing_seed(),
                "generation": format!("{:#018x}", m.generation()),
                "records": m.record_count(),
                "shards": shards,
            }
        });
        let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
        text.push('\n');
        text
    } else {
        let mut text = format!(
            "index set        manifest version 1.0\n\
             shards           {}\n\
             routing          XXH3-64 of the key with seed {}, times N, high 64 bits (SETS.md §1)\n\
             generation       {:#018x}\n\
             records          {}\n\
             \x20 shard      records          bytes  header checksum     name\n",
            m.shard_count(),
            m.routing_seed(),
            m.generation(),
            m.record_count()
        );
        for (i, s) in m.shards().iter().enumerate() {
            text.push_str(&format!(
                "{i:>7} {:>12} {:>14}  {:#018x}  {}\n",
                s.record_count,
                s.file_len,
                s.header_checksum,
                crate::failure::printable(&s.name)
            ));
        }
        text
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Failure::stdout)?;
    Ok(ExitCode::SUCCESS)
}

/// Bytes of the file that are neither key nor value bytes. Typed records'
/// padding depends on each key's length, so for them the keys are read
/// (one pass over the records); otherwise the section table tells.
fn overhead_bytes<S: zidx::Storage>(index: &zidx::Index<S>) -> Result<u64, zidx::Error> {
    let layout = index.layout();
    let payload = match layout.value_schema() {
        Some(schema) => {
            let mut keys = 0u64;
            for record in index.iter() {
                keys += record?.0.as_ref().len() as u64;
            }
            keys + layout.record_count() * u64::from(schema.size())
        }
        None => {
            let codec = layout.record_codec();
            let per_record = codec.min_record_len();
            layout.records().length - layout.record_count() * per_record
        }
    };
    Ok(layout.file_len().saturating_sub(payload))
}

/// The names of the feature bits set, as the spec calls them.
fn feature_names(layout: &FileLayout) -> String {
    let names: Vec<&str> = [
        (layout.ordered_keys(), "ORDERED_KEYS"),
        (
            layout.incompat_features() & zidx_format::INCOMPAT_KEYED_HASH != 0,
            "KEYED_HASH",
        ),
        (layout.multi_value(), "MULTI_VALUE"),
        (layout.record_codec().checked(), "RECORD_CHECKSUMS"),
        (layout.value_schema().is_some(), "TYPED_VALUES"),
    ]
    .into_iter()
    .filter_map(|(set, name)| set.then_some(name))
    .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" ({})", names.join(", "))
    }
}

fn per_record(bytes: u64, records: u64) -> f64 {
    if records == 0 {
        0.0
    } else {
        bytes as f64 / records as f64
    }
}

pub fn text_report(layout: &FileLayout, stats: &HashStats, overhead: u64) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let records = layout.record_count();
    let _ = writeln!(
        s,
        "format version   {}.{}",
        layout.version().0,
        layout.version().1
    );
    let _ = writeln!(s, "file length      {} bytes", layout.file_len());
    let _ = writeln!(
        s,
        "features         compat {:#x}, incompat {:#x}{}",
        layout.compat_features(),
        layout.incompat_features(),
        feature_names(layout)
    );
    let _ = writeln!(s, "header checksum  {:#018x}", layout.header_checksum());
    let _ = writeln!(s, "records          {records}");
    let _ = writeln!(
        s,
        "overhead         {overhead} bytes ({:.2} per record)",
        per_record(overhead, records)
    );
    if let Some(schema) = layout.value_schema() {
        let _ = writeln!(
            s,
            "value schema     {schema} (size {}, align {}, fingerprint {:#018x})",
            schema.size(),
            schema.align(),
            schema.fingerprint()
        );
        for field in schema.fields() {
            let _ = writeln!(s, "  {:>6}  {field}", field.offset);
        }
    }
    let _ = writeln!(
        s,
        "sections         (table at offset {}, checksum {:#018x})",
        layout.section_table_offset(),
        layout.section_table_checksum()
    );
    let _ = writeln!(
        s,
        "  {:>2}  {:<12} {:<9} {:>12} {:>12} {:>10} {:>9}  checksum",
        "id", "name", "flags", "offset", "length", "items", "item_size"
    );
    for sec in layout.sections() {
        let flags = if sec.required() {
            "required"
        } else {
            "optional"
        };
        let _ = writeln!(
            s,
            "  {:>2}  {:<12} {:<9} {:>12} {:>12} {:>10} {:>9}  {:#018x}",
            sec.id.0,
            sec.name(),
            flags,
            sec.offset,
            sec.length,
            sec.item_count,
            sec.item_size,
            sec.checksum
        );
    }
    let _ = writeln!(s, "hash index");
    let _ = writeln!(
        s,
        "  hash function    {} ({})",
        layout.hash_function(),
        hash_function_name(layout.hash_function())
    );
    let _ = writeln!(s, "  seed             {}", layout.seed());
    let _ = writeln!(s, "  home slots       {}", stats.slot_count);
    let _ = writeln!(s, "  table slots      {}", stats.table_slots);
    let _ = writeln!(s, "  load factor      {:.4}", stats.load_factor);
    let _ = writeln!(
        s,
        "  mean probe len   {:.4}{}",
        stats.mean_probe_length,
        if stats.slots_read < stats.table_slots {
            format!(
                " (estimated from {} of {} slots)",
                stats.slots_read, stats.table_slots
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(s, "  max probe len    {}", stats.max_probe_length);
    s
}

/// What the stored `hash_function` means (SPEC.md §6.3).
fn hash_function_name(function: u32) -> &'static str {
    match function {
        zidx_format::HASH_FUNCTION_XXH3_64 => "XXH3-64, format 1.0",
        zidx_format::HASH_FUNCTION_SIPHASH13 => "SipHash-1-3 keyed by the derived seed, format 1.1",
        _ => "unknown",
    }
}

pub fn json_report(layout: &FileLayout, stats: &HashStats, overhead: u64) -> String {
    let records = layout.record_count();
    let schema = layout.value_schema().map(|schema| {
        let fields: Vec<_> = schema
            .fields()
            .iter()
            .map(|f| {
                json!({
                    "name": f.name,
                    "offset": f.offset,
                    "type": f.ty.to_string(),
                    "count": f.count,
                })
            })
            .collect();
        json!({
            "text": schema.to_string(),
            "size": schema.size(),
            "align": schema.align(),
            "fingerprint": format!("{:#018x}", schema.fingerprint()),
            "fields": fields,
        })
    });
    let sections: Vec<_> = layout
        .sections()
        .iter()
        .map(|s| {
            json!({
                "id": s.id.0,
                "name": s.name(),
                "required": s.required(),
                "offset": s.offset,
                "length": s.length,
                "item_count": s.item_count,
                "item_size": s.item_size,
                "checksum": format!("{:#018x}", s.checksum),
            })
        })
        .collect();
    let report = json!({
        "version": format!("{}.{}", layout.version().0, layout.version().1),
        "file_len": layout.file_len(),
        "compat_features": layout.compat_features(),
        "incompat_features": layout.incompat_features(),
        "header_checksum": format!("{:#018x}", layout.header_checksum()),
        "section_table_offset": layout.section_table_offset(),
        "section_table_checksum": format!("{:#018x}", layout.section_table_checksum()),
        "records": records,
        "overhead_bytes": overhead,
        "overhead_per_record": per_record(overhead, records),
        "value_schema": schema,
        "sections": sections,
        "hash_index": {
            "hash_function": layout.hash_function(),
            "hash_function_name": hash_function_name(layout.hash_function()),
            "seed": layout.seed(),
            "home_slots": stats.slot_count,
            "table_slots": stats.table_slots,
            "load_factor": stats.load_factor,
            "mean_probe_length": stats.mean_probe_length,
            "slots_read": stats.slots_read,
            "max_probe_length": stats.max_probe_length,
        },
    });
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}
