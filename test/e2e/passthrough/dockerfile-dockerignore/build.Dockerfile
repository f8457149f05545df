# syntax=sidebundle/frontend
FROM debian:bookworm-slim
COPY . /ctx/
RUN ls -a /ctx > /listing.txt
