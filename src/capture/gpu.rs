//! NVIDIA GPUs through NVML, loaded at run time (nvml-wrapper dlopens `libnvidia-ml.so.1`): no
//! driver, no library or no device means no GPU metrics and no error. Only the GPUs the wrapped
//! command can see are sampled, numbered as it numbers them (`CUDA_VISIBLE_DEVICES`).

use nvml_wrapper::Nvml;
use nvml_wrapper::enum_wrappers::device::TemperatureSensor;

/// The NVML indexes a CUDA program sees, in its order, given `CUDA_VISIBLE_DEVICES`, the number
/// of devices and their UUIDs. Like CUDA: unset means all; entries are indexes or UUID prefixes
/// (`GPU-…`); the list ends at the first entry that names no device (or one already listed).
pub fn visible_devices(spec: Option<&str>, uuids: &[String]) -> Vec<u32> {
    let count = uuids.len() as u32;
    let Some(spec) = spec else {
        return (0..count).collect();
    };
    let mut out = Vec::new();
    for entry in spec.split(',').map(str::trim) {
        let found = if let Ok(i) = entry.parse::<u32>() {
            (i < count).then_some(i)
        } else if entry.len() > 4 && entry.starts_with("GPU-") {
            let matches: Vec<u32> = (0..count)
                .filter(|&i| uuids[i as usize].starts_with(entry))
                .collect();
            (matches.len() == 1).then(|| matches[0])
        } else {
            None
        };
        match found {
            Some(i) if !out.contains(&i) => out.push(i),
            _ => break,
        }
    }
    out
}

pub struct Gpus {
    nvml: Nvml,
    /// NVML index of each visible GPU, in the command's numbering.
    devices: Vec<u32>,
}

/// What we know of one visible GPU (for the run's provenance).
#[derive(Clone, Debug, PartialEq)]
pub struct GpuInfo {
    pub index: usize,
    pub name: String,
    pub uuid: String,
}

impl Gpus {
    /// `None` without NVML or without a visible GPU.
    pub fn open(cuda_visible_devices: Option<&str>) -> Option<Gpus> {
        let nvml = Nvml::init().ok()?;
        let count = nvml.device_count().ok()?;
        let uuids: Vec<String> = (0..count)
            .map(|i| {
                nvml.device_by_index(i)
                    .and_then(|d| d.uuid())
                    .unwrap_or_default()
            })
            .collect();
        let devices = visible_devices(cuda_visible_devices, &uuids);
        (!devices.is_empty()).then_some(Gpus { nvml, devices })
    }

    pub fn describe(&self) -> Vec<GpuInfo> {
        self.devices
            .iter()
            .enumerate()
            .filter_map(|(index, &i)| {
                let d = self.nvml.device_by_index(i).ok()?;
                Some(GpuInfo {
                    index,
                    name: d.name().unwrap_or_default(),
                    uuid: d.uuid().unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Utilization, memory, temperature and power of each visible GPU; a reading the device
    /// does not support is left out.
    pub fn sample(&self, out: &mut Vec<(String, f64)>) {
        for (index, &i) in self.devices.iter().enumerate() {
            let Ok(d) = self.nvml.device_by_index(i) else {
                continue;
            };
            let key = |what: &str| format!("system.gpu{index}.{what}");
            if let Ok(u) = d.utilization_rates() {
                out.push((key("utilization-percent"), f64::from(u.gpu)));
            }
            if let Ok(m) = d.memory_info() {
                out.push((key("memory-used-mb"), m.used as f64 / MIB));
                if m.total > 0 {
                    out.push((
                        key("memory-percent"),
                        m.used as f64 * 100.0 / m.total as f64,
                    ));
                }
            }
            if let Ok(t) = d.temperature(TemperatureSensor::Gpu) {
                out.push((key("temperature-c"), f64::from(t)));
            }
            if let Ok(mw) = d.power_usage() {
                out.push((key("power-w"), f64::from(mw) / 1000.0));
            }
        }
    }
}

const MIB: f64 = 1024.0 * 1024.0;

#[cfg(test)]
mod tests {
    use super::*;

    fn uuids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("GPU-{i}a{i}b-0000")).collect()
    }

    #[test]
    fn unset_means_every_device() {
        assert_eq!(visible_devices(None, &uuids(3)), [0, 1, 2]);
    }

    #[test]
    fn indexes_in_the_given_order() {
        assert_eq!(visible_devices(Some("2,0"), &uuids(3)), [2, 0]);
    }

    #[test]
    fn the_list_ends_at_the_first_invalid_entry() {
        assert_eq!(visible_devices(Some("1,7,0"), &uuids(3)), [1]);
        assert_eq!(visible_devices(Some("-1"), &uuids(3)), Vec::<u32>::new());
        assert_eq!(visible_devices(Some(""), &uuids(3)), Vec::<u32>::new());
        assert_eq!(visible_devices(Some("0,0"), &uuids(3)), [0]);
    }

    #[test]
    fn uuid_prefixes_name_devices() {
        assert_eq!(visible_devices(Some("GPU-2a2,GPU-0"), &uuids(3)), [2, 0]);
    }

    #[test]
    fn no_driver_means_no_gpus_and_no_error() {
        // This machine has no NVIDIA driver (CI has none either): opening quietly finds nothing.
        if std::path::Path::new("/proc/driver/nvidia").exists() {
            return;
        }
        assert!(Gpus::open(None).is_none());
    }
}
