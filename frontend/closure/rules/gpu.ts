// GPU and DRM userspace drivers: tied to the host's kernel driver and hardware, so they are left
// out of images unless the user allows them (the runtime injects its own, e.g. nvidia-container).
const GPU_LIBRARY = /^lib(GL|GLX|GLESv1_CM|GLESv2|EGL|GLdispatch|OpenGL|glapi|gbm|drm|vulkan|cuda|nvidia|nvcuvid|va|vdpau)([._-])/;

export function isGpuLibrary(path: string): boolean {
  return GPU_LIBRARY.test(path.slice(path.lastIndexOf("/") + 1)) || path.includes("/dri/");
}
