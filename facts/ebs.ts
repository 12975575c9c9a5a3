/**
 * EBS volume sizes the platform asks for (model caches, node root volumes). Plain data with its
 * source; imports nothing.
 */

/**
 * gp3 volume size range, GiB. Source: AWS EC2 API reference, `EbsBlockDevice.VolumeSize` and
 * `LaunchTemplateEbsBlockDeviceRequest.VolumeSize` ("gp2 and gp3: 1 - 16,384 GiB"), and the
 * EBS volume types table (General Purpose SSD: 1 GiB – 16 TiB), read 2026-12-06. A `1000000000Gi`
 * claim passes Kubernetes validation and then stays Pending forever when the CSI driver's
 * CreateVolume fails; this bound turns that into a config error.
 *
 * The same bound caps the shared (EFS) cache claim: the EFS CSI driver does not enforce a
 * claim's size (EFS grows with its data), so the number only documents intent, and anything past
 * 16 TiB for one model's weights is a typo.
 */
export const GP3_SIZE_GIB = { min: 1, max: 16_384 } as const;
