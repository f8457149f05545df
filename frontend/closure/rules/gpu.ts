// The NVIDIA driver's user-space libraries, which a GPU container runtime (nvidia-container-toolkit,
// libnvidia-container's list) mounts into the container from the host, matching the host's kernel
// driver: a copy in the image would be the wrong version or hidden. Only these are left out by
// default; every other library the closure needs (libGL, libdrm, libva, libvulkan, Mesa's
// drivers...) is an ordinary dependency and stays.
const HOST_GPU_LIBRARY =
  /^lib(cuda|cudadebugger|nvidia-[^/]+|nvcuvid|nvoptix|vdpau_nvidia|GLX_nvidia|EGL_nvidia|GLESv2_nvidia|GLESv1_CM_nvidia|dxcore)\.so(\.|$)/;

/** Whether the file name of `path` is one of the libraries the GPU runtime injects. */
export function isHostGpuLibrary(path: string): boolean {
  return HOST_GPU_LIBRARY.test(path.slice(path.lastIndexOf("/") + 1));
}
