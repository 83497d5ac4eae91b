//! drivers/video/: the frame buffer command line (fbdev/core/fb_cmdline.c).

mod fb_cmdline;
