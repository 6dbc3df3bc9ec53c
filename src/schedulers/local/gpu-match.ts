/**
 * Which local GPU devices may serve a request for `gpu: n, gpuType: t`. By default only devices of
 * type `t` (exact). With `gpuMatch: "memory"`, also any device with at least the VRAM the catalogue
 * gives for `t`: one H100 then runs `smallGpuTask` (an A10G, 24 GiB).
 */
import { gpuTypeInfo } from "../../resources/gpu-types.js";
import type { GpuDevice } from "./capacity.js";

export type GpuMatch = "type" | "memory";

// The driver reports a little less than a card's nominal size (an "80GB" H100 shows 79.6 GiB, an
// A10G 22.5 of its 24): a device counts as having the nominal size when it reports 90% of it.
const REPORTED_SHARE = 0.9;

export type DeviceMatcher = (device: GpuDevice, type: string | undefined) => boolean;

export function deviceMatcher(policy: GpuMatch): DeviceMatcher {
  return (device, type) => {
    if (type === undefined || device.type === type) return true;
    if (policy !== "memory") return false;
    const wanted = gpuTypeInfo(type)?.memoryGiB;
    return wanted !== undefined && device.memoryGiB !== undefined && device.memoryGiB >= wanted * REPORTED_SHARE;
  };
}

export const exactType: DeviceMatcher = deviceMatcher("type");
